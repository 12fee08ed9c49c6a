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
  /**
   * MIME nodes mailparser may build when the body has few container types. Flat messages with
   * many parts parse in linear time, so this can be generous.
   */
  mimeNodes: 20_000,
  /**
   * MIME nodes allowed when the body names many multipart/message containers: nesting makes
   * mailparser's work grow with depth × lines and its recursion overflow the stack beyond a few
   * thousand levels, so a deep tree is cut at mailsplit's own default.
   */
  mimeNodesNested: 1_000,
  /** Container type mentions (`multipart/`, `message/`) above which `mimeNodesNested` applies. */
  containerMentions: 100,
  /** Longest encoded text accepted in one RFC 2047 encoded-word (real ones are ≤ 75 characters). */
  encodedWordText: 4_096,
});
