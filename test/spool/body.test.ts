/**
 * Receiving a DATA stream: small bodies stay in memory, large ones go to a spool file with
 * backpressure, oversized ones are only counted, and a client that goes away leaves no file.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { fileBody, memoryBody, readHead, receiveBody, Spool, type MessageBody } from '../../src/spool/body.js';
import { withFirst } from '../../src/util/chunks.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function spoolIn(spoolAbove: number): Promise<{ spool: Spool; parent: string }> {
  const parent = await mkdtemp(join(tmpdir(), 'mockmx-body-test-'));
  dirs.push(parent);
  return { spool: new Spool(spoolAbove, parent), parent };
}

/** Every file under `parent` (the spool directory is one level down). */
async function spooledFiles(parent: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(parent)) out.push(...(await readdir(join(parent, d))).map((f) => join(parent, d, f)));
  return out;
}

/** Deterministic bytes, every value 0–255, in chunks of the given sizes. */
function chunksOf(sizes: number[]): Buffer[] {
  let n = 0;
  return sizes.map((size) => Buffer.from(Array.from({ length: size }, () => (n++ * 31 + 7) % 256)));
}

async function all(body: MessageBody, start?: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body.chunks(start)) parts.push(c);
  return Buffer.concat(parts);
}

describe('receiveBody', () => {
  it('keeps a body at or under the threshold in memory, exactly', async () => {
    const { spool, parent } = await spoolIn(1000);
    const input = chunksOf([400, 600]);
    const { bytes, body } = await receiveBody(Readable.from(input), { limit: 0, spool });
    expect(bytes).toBe(1000);
    expect(body?.path).toBeUndefined();
    expect(body?.buffer?.equals(Buffer.concat(input))).toBe(true);
    expect(await readdir(parent)).toEqual([]); // no spool directory made for small mail
  });

  it('writes a body over the threshold to a file with every byte, and reads it back in any way', async () => {
    const { spool, parent } = await spoolIn(1000);
    const input = chunksOf([700, 700, 300_000, 1, 5]);
    const whole = Buffer.concat(input);
    const { bytes, body } = await receiveBody(Readable.from(input), { limit: 0, spool });
    expect(bytes).toBe(whole.length);
    expect(body?.buffer).toBeUndefined();
    expect(body?.size).toBe(whole.length);
    expect((await readFile(body!.path!)).equals(whole)).toBe(true);
    expect((await body!.head(10)).equals(whole.subarray(0, 10))).toBe(true);
    expect((await body!.head(whole.length + 10)).equals(whole)).toBe(true);
    expect((await all(body!)).equals(whole)).toBe(true);
    expect((await all(body!, 123_457)).equals(whole.subarray(123_457))).toBe(true);
    const streamed: Buffer[] = [];
    for await (const c of body!.stream()) streamed.push(c as Buffer);
    expect(Buffer.concat(streamed).equals(whole)).toBe(true);
    expect(await spooledFiles(parent)).toEqual([body!.path]);
    await body!.discard();
    await body!.discard(); // twice is fine
    expect(existsSync(body!.path!)).toBe(false);
  });

  it('applies fixStart once, to the first bytes, in memory and when spooling', async () => {
    const fix = (b: Buffer) => Buffer.concat([Buffer.from('<'), b]);
    for (const spoolAbove of [10_000, 10]) {
      const { spool } = await spoolIn(spoolAbove);
      const { body } = await receiveBody(Readable.from(chunksOf([5, 5, 5, 5])), { limit: 0, spool, fixStart: fix });
      const got = body!.buffer ?? (await readFile(body!.path!));
      expect(got.length).toBe(21);
      expect(got.subarray(0, 1).toString()).toBe('<');
      expect(got.subarray(1).equals(Buffer.concat(chunksOf([5, 5, 5, 5])))).toBe(true);
      await body!.discard();
    }
  });

  it('past the limit only counts, and removes a file it had started', async () => {
    const { spool, parent } = await spoolIn(100);
    const { bytes, body } = await receiveBody(Readable.from(chunksOf([80, 80, 80, 80])), { limit: 250, spool });
    expect(bytes).toBe(320);
    expect(body).toBeUndefined();
    expect(await spooledFiles(parent)).toEqual([]);
  });

  it('a stream that errors (the client went away) rejects and leaves no file', async () => {
    const { spool, parent } = await spoolIn(100);
    const stream = new PassThrough();
    const received = receiveBody(stream, { limit: 0, spool });
    stream.write(Buffer.alloc(5000, 0x41));
    // wait until the file exists, then fail the stream
    for (const deadline = Date.now() + 5000; (await spooledFiles(parent)).length === 0; ) {
      if (Date.now() > deadline) throw new Error('no spool file appeared');
      await new Promise((r) => setImmediate(r));
    }
    stream.destroy(new Error('ECONNRESET'));
    await expect(received).rejects.toThrow('ECONNRESET');
    expect(await spooledFiles(parent)).toEqual([]);
  });

  it('a stream that fails while its spool file is being opened leaves no file', async () => {
    const { spool, parent } = await spoolIn(100);
    // the spool hands out its path only when the test says so: the client is gone by then
    let handOut!: () => void;
    const gate = new Promise<void>((r) => (handOut = r));
    const slowSpool = Object.assign(Object.create(spool) as Spool, { newPath: async () => (await gate, spool.newPath()) });
    const stream = new PassThrough();
    const received = receiveBody(stream, { limit: 0, spool: slowSpool });
    const settled = received.then(
      () => 'resolved',
      () => 'rejected',
    );
    stream.write(Buffer.alloc(5000, 0x41)); // past spoolAbove: the file is being opened…
    stream.destroy(new Error('ECONNRESET')); // …when the client goes away
    await new Promise((r) => setImmediate(r));
    // it does not give up while the file is still on its way: it waits, then removes it
    expect(await Promise.race([settled, Promise.resolve('pending')])).toBe('pending');
    handOut();
    await expect(received).rejects.toThrow('ECONNRESET');
    expect(await spooledFiles(parent)).toEqual([]);
  });

  it('does not read the stream faster than the file is written (backpressure)', async () => {
    const { spool, parent } = await spoolIn(0);
    const chunk = 64 * 1024;
    const total = 128; // 8 MiB
    let pushed = 0;
    let mostAhead = 0;
    const source = new Readable({
      highWaterMark: chunk,
      read() {
        // how far the reader has got ahead of the file, each time it asks for more
        const files = readdirSync(parent).flatMap((d) => readdirSync(join(parent, d)).map((f) => join(parent, d, f)));
        const written = files.length ? statSync(files[0]!).size : 0;
        mostAhead = Math.max(mostAhead, pushed * chunk - written);
        pushed++;
        this.push(pushed <= total ? Buffer.alloc(chunk, pushed) : null);
      },
    });
    const { body } = await receiveBody(source, { limit: 0, spool });
    expect(body!.size).toBe(total * chunk);
    // a batch (256 KiB) plus the stream's own buffering, never the whole 8 MiB
    expect(mostAhead).toBeLessThan(1024 * 1024);
    await body!.discard();
  });
});

describe('readHead and withFirst', () => {
  it('a head holds the whole header section even when it is longer than the first read', async () => {
    const { spool } = await spoolIn(0);
    const header = `X-Long: ${'a'.repeat(3 * 1024 * 1024)}\r\n\r\n`;
    const { body } = await receiveBody(Readable.from([Buffer.from(header), Buffer.alloc(2 * 1024 * 1024, 0x62)]), { limit: 0, spool });
    const head = await readHead(body!);
    expect(head.includes(Buffer.from('\r\n\r\n'))).toBe(true);
    expect(head.length).toBeLessThan(body!.size);
    await body!.discard();
  });

  it('a body in memory is its own head', async () => {
    const b = memoryBody(Buffer.from('Subject: x\r\n\r\nhi'));
    expect(await readHead(b)).toBe(b.buffer);
  });

  it('withFirst yields the first buffer, then the rest; the rest can be finished by another reader', async () => {
    const body = fileBody('/dev/null', 0);
    expect(await all(body)).toEqual(Buffer.alloc(0));
    const rest = (async function* () {
      yield Buffer.from('b');
      yield Buffer.from('c');
      yield Buffer.from('d');
    })();
    const joined = withFirst(Buffer.from('a'), rest);
    expect((await joined.next()).value?.toString()).toBe('a');
    expect((await joined.next()).value?.toString()).toBe('b');
    const left: string[] = [];
    for await (const c of rest) left.push(c.toString());
    expect(left).toEqual(['c', 'd']);
  });
});

describe('Spool', () => {
  it('makes its directory on first use and removes it with what is left in it', async () => {
    const { spool, parent } = await spoolIn(0);
    expect(await readdir(parent)).toEqual([]);
    const a = await spool.newPath();
    const b = await spool.newPath();
    expect(a).not.toBe(b);
    expect(await readdir(parent)).toHaveLength(1);
    await spool.remove();
    expect(await readdir(parent)).toEqual([]);
  });

  it("removes spool directories left by processes that are gone (SIGKILL), and no one else's", async () => {
    const { spool, parent } = await spoolIn(0);
    // a process that has exited: its pid is free (reuse within this test is not a concern)
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const gone = Number(child.stdout);
    await mkdir(join(parent, `mockmx-spool-${gone}-abc123`));
    await writeFile(join(parent, `mockmx-spool-${gone}-abc123`, `${gone}.1.eml`), 'left behind');
    await mkdir(join(parent, `mockmx-spool-${process.pid}-live12`)); // a live process (this one)
    await mkdir(join(parent, 'mockmx-spool-unrelated'));
    await mkdir(join(parent, 'something-else-1'));
    await spool.newPath();
    const left = (await readdir(parent)).sort();
    expect(left).not.toContain(`mockmx-spool-${gone}-abc123`);
    expect(left).toEqual(expect.arrayContaining([`mockmx-spool-${process.pid}-live12`, 'mockmx-spool-unrelated', 'something-else-1']));
    expect(left.filter((n) => n.startsWith(`mockmx-spool-${process.pid}-`))).toHaveLength(2); // its own is named after it too
  });

  it('refuses a threshold that is not a non-negative integer', () => {
    expect(() => new Spool(-1)).toThrow(RangeError);
    expect(() => new Spool(1.5)).toThrow(RangeError);
  });
});
