/**
 * The oldest entry of an insertion-ordered Map or Set whose oldest entries are removed as they
 * are taken (a bounded store evicting, a queue draining).
 *
 * `map.keys().next()` each time looks simple but is not cheap: V8 leaves a hole for every
 * deleted entry until it rehashes the table, and a fresh iterator steps over all of them, so
 * evicting one entry per insert costs time in proportion to the evictions since the last
 * rehash (hundreds of steps at a bound of 1,000). One iterator kept across calls steps over
 * each hole once. A Map iterator skips entries deleted after it was made and reaches entries
 * added later, so `take()` is always the oldest entry still present, provided every entry it
 * returned was removed before the next call.
 */
export class Oldest<T> {
  private cursor: Iterator<T> | undefined;

  constructor(private readonly entries: () => Iterator<T>) {}

  take(): T | undefined {
    let next = this.cursor?.next();
    if (!next || next.done) {
      this.cursor = this.entries();
      next = this.cursor.next();
    }
    return next.done ? undefined : next.value;
  }

  /** After the collection was cleared or rebuilt. */
  reset(): void {
    this.cursor = undefined;
  }
}
