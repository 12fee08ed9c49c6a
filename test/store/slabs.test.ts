import { describe, expect, it } from 'vitest';
import { SlabPool } from '../../src/store/slabs.js';
import { MemoryMessageStore } from '../../src/store/memory.js';

const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);

describe('SlabPool', () => {
  it('gives back what was placed, as copies a later message cannot overwrite', async () => {
    const pool = new SlabPool();
    const first = pool.place(bytes(1000, 0x61))!;
    const raw = first.copy();
    await first.discard();
    // the freed space is reused by the next messages: the copy taken before stays intact
    for (let i = 0; i < 300; i++) pool.place(bytes(1000, 0x62));
    expect(raw.equals(bytes(1000, 0x61))).toBe(true);
    // read after discard: nothing, not another message's bytes
    expect((await first.head(10)).length).toBe(0);
  });

  it('leaves bodies over 64 KiB to Buffers of their own', () => {
    expect(new SlabPool().place(bytes(64 * 1024 + 1, 0))).toBeUndefined();
  });

  it('reuses slabs under first-in first-out eviction: memory follows what is kept', async () => {
    const pool = new SlabPool();
    const kept: NonNullable<ReturnType<SlabPool['place']>>[] = [];
    for (let i = 0; i < 5000; i++) {
      kept.push(pool.place(bytes(10_000, i % 256))!);
      if (kept.length > 100) await kept.shift()!.discard();
    }
    const { slabBytes, liveBytes } = pool.usage();
    expect(liveBytes).toBe(100 * 10_000);
    expect(slabBytes).toBeLessThanOrEqual(liveBytes + 2 * 256 * 1024);
    // every kept body still reads as written
    kept.forEach((b, k) => expect(b.copy()[0]).toBe((5000 - kept.length + k) % 256));
  });

  it('deletions out of order cannot pin slabs without bound: nearly empty ones move out', async () => {
    const pool = new SlabPool();
    const survivors: NonNullable<ReturnType<SlabPool['place']>>[] = [];
    for (let i = 0; i < 20_000; i++) {
      const b = pool.place(bytes(10_000, i % 251))!;
      // one in fifty survives, the rest are deleted right away (a test reading and deleting)
      if (i % 50 === 0) survivors.push(b);
      else await b.discard();
    }
    expect(survivors).toHaveLength(400);
    // 400 survivors spread over 760 slabs' worth of traffic: most were moved out, not pinned
    // (the rule leaves at most twice the bytes in slabs, plus four slabs of slack and the one being filled)
    expect(pool.usage().slabBytes).toBeLessThanOrEqual(2 * pool.usage().liveBytes + 5 * 256 * 1024);
    survivors.forEach((b, k) => expect(b.copy().equals(bytes(10_000, (k * 50) % 251))).toBe(true));
  });
});

describe('the memory store keeps bodies in slabs', () => {
  it('raw and rawStream of a kept message survive the eviction of others', async () => {
    const store = new MemoryMessageStore({ maxMessages: 10 });
    const envelope = { mailFrom: 'a@x.test', rcptTo: ['b@y.test'] };
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push((await store.add({ sessionId: 's1', envelope, raw: Buffer.from(`Subject: ${i}\r\n\r\nbody ${i}\r\n`) })).id);
    const last = (await store.get(ids.at(-1)!))!;
    expect(last.raw.toString()).toBe('Subject: 199\r\n\r\nbody 199\r\n');
    const chunks: Buffer[] = [];
    for await (const c of last.rawStream()) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('Subject: 199\r\n\r\nbody 199\r\n');
    expect((await last.parsed()).subject).toBe('199');
    expect(store.slabUsage().liveBytes).toBe(10 * last.size);
  });
});
