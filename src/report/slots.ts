/**
 * Per-object state for the checks: each check declares a Slot for what it keeps per sender,
 * session or transaction, and the object holds it. Dropping the object (an evicted sender, an
 * ended session) drops every check's state with it, without the checks knowing about each other.
 */
export class Slot<T> {
  constructor(readonly make: () => T) {}
}

export class Slots {
  private readonly held = new Map<Slot<unknown>, unknown>();

  /** The slot's state, made on first use. */
  slot<T>(slot: Slot<T>): T {
    let value = this.held.get(slot) as T | undefined;
    if (value === undefined) this.held.set(slot, (value = slot.make()));
    return value;
  }

  /** The slot's state if it was ever made. */
  existing<T>(slot: Slot<T>): T | undefined {
    return this.held.get(slot) as T | undefined;
  }
}
