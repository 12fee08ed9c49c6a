/**
 * When a check's situation arose and how the client did, for time-range reports: the latest
 * `capacity` occurrences as two typed arrays (a time and a bit each), grown on demand, so a
 * sender that is judged a million times costs no more than one judged `capacity` times.
 */
export class OccurrenceRing {
  private at: Float64Array;
  private ok: Uint8Array;
  private start = 0;
  private length = 0;
  /** Occurrences pushed out by newer ones. */
  dropped = 0;

  constructor(private readonly capacity: number) {
    const initial = Math.min(capacity, 8);
    this.at = new Float64Array(initial);
    this.ok = new Uint8Array(initial);
  }

  push(at: number, ok: boolean): void {
    if (this.length === this.at.length && this.length < this.capacity) this.grow();
    if (this.length < this.at.length) {
      const i = (this.start + this.length++) % this.at.length;
      this.at[i] = at;
      this.ok[i] = ok ? 1 : 0;
      return;
    }
    this.at[this.start] = at;
    this.ok[this.start] = ok ? 1 : 0;
    this.start = (this.start + 1) % this.at.length;
    this.dropped++;
  }

  /** Oldest first. */
  *entries(): IterableIterator<{ at: number; ok: boolean }> {
    for (let k = 0; k < this.length; k++) {
      const i = (this.start + k) % this.at.length;
      yield { at: this.at[i]!, ok: this.ok[i] === 1 };
    }
  }

  /** Calls `fn` for each, oldest first (no iterator objects: absorbing a session's tallies does this for every check). */
  forEach(fn: (at: number, ok: boolean) => void): void {
    for (let k = 0; k < this.length; k++) {
      const i = (this.start + k) % this.at.length;
      fn(this.at[i]!, this.ok[i] === 1);
    }
  }

  /** Passes and failures kept with `from <= at < to`. */
  count(from: number, to: number): { passed: number; failed: number } {
    let passed = 0;
    let failed = 0;
    for (const { at, ok } of this.entries()) if (at >= from && at < to) ok ? passed++ : failed++;
    return { passed, failed };
  }

  /** The earliest time kept (occurrences can arrive out of order: a refusal judged later keeps its own time). */
  earliest(): number {
    let min = Infinity;
    for (const { at } of this.entries()) min = Math.min(min, at);
    return min;
  }

  clone(): OccurrenceRing {
    const copy = new OccurrenceRing(this.capacity);
    this.forEach((at, ok) => copy.push(at, ok));
    copy.dropped += this.dropped;
    return copy;
  }

  private grow(): void {
    const size = Math.min(this.capacity, this.at.length * 2);
    const at = new Float64Array(size);
    const ok = new Uint8Array(size);
    let k = 0;
    for (const e of this.entries()) {
      at[k] = e.at;
      ok[k++] = e.ok ? 1 : 0;
    }
    this.at = at;
    this.ok = ok;
    this.start = 0;
  }
}
