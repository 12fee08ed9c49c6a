import { Oldest } from '../util/oldest.js';

/** No key touched yet (a symbol, so any key, undefined included, differs from it). */
const NONE: unique symbol = Symbol('none');

/**
 * A Map that holds at most `limit` entries: setting or touching an entry makes it the newest,
 * and past the limit the least recently touched goes. What keeps the card's memory constant per
 * tracked sender and recipient however long mockmx runs.
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  // the least recently touched key, without rescanning the holes evictions leave (see Oldest)
  private readonly oldest = new Oldest(() => this.map.keys());
  /** The key touched last: touching it again moves nothing (one sender mailing message after message). */
  private newest: K | typeof NONE = NONE;

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The value, without making it the newest. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  /** The value, made the newest. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined && this.newest !== key) {
      this.map.delete(key);
      this.map.set(key, value);
      this.newest = key;
    }
    return value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    this.newest = key;
    // the first key of an insertion-ordered Map is the least recently touched
    if (this.map.size > this.limit) this.map.delete(this.oldest.take() as K);
  }

  /** The value for key, made by `make` when there is none. */
  upsert(key: K, make: () => V): V {
    const value = this.get(key);
    if (value !== undefined) return value;
    const made = make();
    this.set(key, made);
    return made;
  }

  delete(key: K): boolean {
    if (this.newest === key) this.newest = NONE;
    return this.map.delete(key);
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}
