/**
 * A stream helper shared by the message checks (checks/analyze.ts) and the message store
 * (store/parse.ts): both read a message's start, then the rest from its spool file. A leaf,
 * so the checks need nothing from the spool, which itself uses the checks.
 */

/** `first`, then whatever `then` yields: a consumer may stop early and leave `then` to another. */
export async function* withFirst(first: Buffer, then: AsyncIterator<Buffer>): AsyncGenerator<Buffer, void, undefined> {
  if (first.length > 0) yield first;
  for (let r = await then.next(); !r.done; r = await then.next()) yield r.value;
}
