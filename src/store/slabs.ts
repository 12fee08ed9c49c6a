/**
 * The bytes of messages kept in memory, packed into reused slabs.
 *
 * A kept message lives on for `maxMessages` more messages: long enough for V8 to promote its
 * Buffer to the old generation. Held in a Buffer of its own, an evicted message's bytes would
 * stay allocated until a full collection, which V8 starts only once tens of megabytes of such
 * garbage piled up: under steady traffic that garbage, not the kept messages, set the process's
 * peak memory. A slab is reused as soon as the messages in it are gone, so memory follows what
 * is kept.
 *
 * Readers get copies: a slab's bytes are overwritten once their message is gone, and a reader
 * (an HTTP response, a user's test) may hold on to them longer.
 */
import { Readable } from 'node:stream';
import type { MessageBody } from '../spool/body.js';

const SLAB_BYTES = 256 * 1024;
/** Larger bodies keep a Buffer of their own: they are few, and would waste a slab's tail. */
const LARGEST_PLACED = 64 * 1024;
/** Emptied slabs kept for reuse; more are left to the garbage collector. */
const SPARE_SLABS = 4;
const READ_BYTES = 64 * 1024;

class Slab {
  readonly bytes = Buffer.allocUnsafeSlow(SLAB_BYTES);
  used = 0;
  liveBytes = 0;
  readonly placed = new Set<Placed>();
}

/** One message's bytes in a slab (or, once moved out, in a Buffer of its own). */
class Placed {
  constructor(
    public slab: Slab | undefined,
    public own: Buffer | undefined,
    readonly offset: number,
    readonly size: number,
  ) {}

  /** The bytes in place: only for copying from, synchronously. */
  view(start = 0, end = this.size): Buffer {
    const to = Math.min(end, this.size);
    if (this.own) return this.own.subarray(start, to);
    // a body read after it was discarded has no bytes left
    return this.slab ? this.slab.bytes.subarray(this.offset + start, this.offset + to) : Buffer.alloc(0);
  }
}

export class SlabPool {
  private current: Slab | undefined;
  private readonly spare: Slab[] = [];
  /** Slabs holding at least one message, the current one included. */
  private slabsInUse = 0;
  private liveBytes = 0;

  /** A body whose bytes are a copy of `bytes` in a slab; undefined when it is too large for one. */
  place(bytes: Buffer): SlabBody | undefined {
    const size = bytes.length;
    if (size > LARGEST_PLACED) return undefined;
    let slab = this.current;
    if (!slab || slab.used + size > SLAB_BYTES) slab = this.nextSlab();
    bytes.copy(slab.bytes, slab.used);
    const placed = new Placed(slab, undefined, slab.used, size);
    slab.used += size;
    slab.liveBytes += size;
    slab.placed.add(placed);
    this.liveBytes += size;
    return slabBody(placed, () => this.release(placed));
  }

  /** Bytes held in slabs in use, and of them the kept messages': for tests and the benchmark. */
  usage(): { slabBytes: number; liveBytes: number } {
    return { slabBytes: this.slabsInUse * SLAB_BYTES, liveBytes: this.liveBytes };
  }

  private nextSlab(): Slab {
    const old = this.current;
    this.current = undefined;
    // the slab being left is freed now if its messages went while it was being filled
    if (old) this.settle(old);
    const slab = this.spare.pop() ?? new Slab();
    slab.used = 0;
    slab.liveBytes = 0;
    this.current = slab;
    this.slabsInUse++;
    return slab;
  }

  private release(placed: Placed): void {
    const slab = placed.slab;
    if (!slab) {
      placed.own = undefined;
      return;
    }
    placed.slab = undefined;
    slab.placed.delete(placed);
    slab.liveBytes -= placed.size;
    this.liveBytes -= placed.size;
    if (slab !== this.current) this.settle(slab);
  }

  /** A slab no longer filled: retired when empty; its messages moved out when it pins too much. */
  private settle(slab: Slab): void {
    if (slab.placed.size === 0) return this.retire(slab);
    // deletions out of order can pin slabs with a few messages each: past twice what is kept
    // (plus slack), a nearly empty slab's messages move to Buffers of their own
    if (slab.liveBytes < SLAB_BYTES / 4 && this.slabsInUse * SLAB_BYTES > 2 * this.liveBytes + 4 * SLAB_BYTES) this.moveOut(slab);
  }

  private moveOut(slab: Slab): void {
    for (const placed of slab.placed) {
      placed.own = Buffer.from(placed.view());
      placed.slab = undefined;
      this.liveBytes -= placed.size;
    }
    slab.placed.clear();
    this.retire(slab);
  }

  private retire(slab: Slab): void {
    this.slabsInUse--;
    if (slab === this.current) this.current = undefined;
    if (this.spare.length < SPARE_SLABS) this.spare.push(slab);
  }
}

/** A body in a slab: no `buffer` (it would be overwritten later); `copy()` reads it whole. */
export interface SlabBody extends MessageBody {
  copy(): Buffer;
}

/** A MessageBody over placed bytes: every read is a copy (see the module comment). */
function slabBody(placed: Placed, release: () => void): SlabBody {
  const copy = (start = 0, end = placed.size) => Buffer.from(placed.view(start, end));
  let released = false;
  return {
    size: placed.size,
    copy: () => copy(),
    head: async (n) => copy(0, n),
    async *chunks(start = 0) {
      for (let at = start; at < placed.size; at += READ_BYTES) yield copy(at, at + READ_BYTES);
    },
    stream: () => Readable.from([copy()], { objectMode: false }),
    discard: async () => {
      if (released) return;
      released = true;
      release();
    },
  };
}
