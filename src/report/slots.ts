/**
 * Per-object state for the checks: each check declares a Slot for what it keeps per sender,
 * session or transaction, and the object holds it. Dropping the object (an evicted sender, an
 * ended session) drops every check's state with it, without the checks knowing about each other.
 */
export class Slot<T> {
  constructor(readonly make: () => T) {}
}

export class Slots {
  // slot, value, slot, value…: an object holds a few checks' state at most, so a scan by identity
  // beats a Map, and a transaction (one per message) costs one small array instead of a Map
  private held: unknown[] | undefined;

  /** The slot's state, made on first use. */
  slot<T>(slot: Slot<T>): T {
    const held = (this.held ??= []);
    for (let i = 0; i < held.length; i += 2) if (held[i] === slot) return held[i + 1] as T;
    const value = slot.make();
    held.push(slot, value);
    return value;
  }

  /** The slot's state if it was ever made. */
  existing<T>(slot: Slot<T>): T | undefined {
    const held = this.held;
    if (held) for (let i = 0; i < held.length; i += 2) if (held[i] === slot) return held[i + 1] as T;
    return undefined;
  }
}
