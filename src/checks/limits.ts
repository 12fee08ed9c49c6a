/**
 * Bounds on what analysis keeps and how much work it does, so a hostile message costs memory
 * and time in proportion to its size and never more than these caps allow.
 */
export const LIMITS = Object.freeze({
  /** Attachment records kept; `attachmentCount` still counts every attachment. */
  attachmentRecords: 1_000,
  /** Entries kept in each name list (malformed, encoded-word, unicode, blocked attachments). */
  listEntries: 100,
  /** Characters of an offending line quoted in `malformedHeaders`. */
  linePrefix: 40,
  /** MIME parts mailparser may build; flat messages parse in linear time, so this can be generous. */
  mimeNodes: 20_000,
  /** MIME nesting depth; real mail stays below 10 levels, and deep trees cost quadratic time. */
  mimeDepth: 100,
  /**
   * MIME parts allowed should the depth bound be unavailable (a mailparser without the hook it
   * uses): mailsplit's own default, where even a fully nested tree is still cheap.
   */
  mimeNodesUnbounded: 1_000,
  /**
   * Encoded bytes of text and HTML parts decoded into the `text` fact, over all parts; the rest
   * is still scanned for the test strings but not kept, so a 100 MB text body costs no 100 MB string.
   */
  textBytes: 2 * 1024 * 1024,
  /** Longest encoded text accepted in one RFC 2047 encoded-word (real ones are ≤ 75 characters). */
  encodedWordText: 4_096,
});
