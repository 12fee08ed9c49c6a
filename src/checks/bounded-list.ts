import { LIMITS } from './limits.js';

/**
 * An insertion-ordered list of distinct strings that stops growing at a cap, so a message
 * with 100,000 bad lines yields a short, stable report instead of 100,000 entries.
 */
export class BoundedList {
  private readonly seen = new Set<string>();

  constructor(private readonly cap: number = LIMITS.listEntries) {}

  add(entry: string): void {
    if (this.seen.size < this.cap) this.seen.add(entry);
  }

  get size(): number {
    return this.seen.size;
  }

  toArray(): readonly string[] {
    return Object.freeze([...this.seen]);
  }
}
