/** MemoryStateStore against the StateStore contract, and what is particular to it. */
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory.js';
import { stateStoreContract } from './state-store.contract.js';

stateStoreContract('MemoryStateStore', {
  make: async ({ maxKeys }) => (maxKeys === undefined ? new MemoryStateStore() : new MemoryStateStore(maxKeys)),
  // one process, one store: another "instance" in it is the same store
  share: async (store) => store,
});

describe('MemoryStateStore', () => {
  it('keeps many keys under its default bound', () => {
    const s = new MemoryStateStore();
    for (let i = 0; i < 5000; i++) s.apply([{ op: 'count', key: `count:r|ip=10.0.${i >> 8}.${i & 255}` }], 1000);
    expect(s.list(1000)).toHaveLength(5000);
    expect(s.count('count:r|ip=10.0.0.0', 1000)).toBe(1);
    expect(s.reset('count:r|ip=10.0.0.')).toBe(256);
    expect(s.reset()).toBe(5000 - 256);
  });

  it('a bound of 1 keeps only the last key written', () => {
    const s = new MemoryStateStore(1);
    s.apply([{ op: 'count', key: 'a' }, { op: 'count', key: 'b', by: 2 }], 0);
    expect(s.list(0)).toEqual([{ key: 'b', kind: 'counter', value: 2 }]);
  });
});
