/** A StateStore whose server is gone: every call rejects as the Redis store's do when Redis is down. */
import { StateUnavailableError, type StateStore } from '../../src/state/types.js';

export function unreachableState(): StateStore & { calls: number } {
  const fail = async (): Promise<never> => {
    store.calls++;
    throw new StateUnavailableError('Redis: Connection is closed.');
  };
  const store = { calls: 0, read: fail, write: fail, entries: fail, clear: fail, close: async () => undefined };
  return store;
}
