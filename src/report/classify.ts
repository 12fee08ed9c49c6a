/**
 * What a reply means for the client's next move, from its code and enhanced code (RFC 5321
 * §4.2, RFC 3463): the card's checks differ only in which replies set them off.
 */
import type { Reply } from './reply.js';

export const isPositive = (r: Reply): boolean => r.code >= 200 && r.code < 400;
export const isTemporary = (r: Reply): boolean => r.code >= 400 && r.code < 500;

/** 421: the server is closing the connection (RFC 5321 §3.8). */
export const isClosing = (r: Reply): boolean => r.code === 421;

/** 452 4.5.3: too many recipients for this transaction; the rest go in another (RFC 5321 §4.5.3.1.10). */
export const isTooManyRecipients = (r: Reply): boolean => r.code === 452 && r.enhanced === '4.5.3';

/** 5.3.4 "message too big for system", 5.2.3 "message length exceeds administrative limit" (RFC 3463). */
export const isTooBig = (r: Reply): boolean => r.code >= 500 && (r.enhanced === '5.3.4' || r.enhanced === '5.2.3');

/** Syntax and sequence errors and authentication demands say nothing about the recipient. */
const NOT_ABOUT_RECIPIENT = new Set([500, 501, 502, 503, 504, 530, 535, 538]);

/**
 * A permanent refusal of the recipient or message: 5xx, except the protocol-level codes and the
 * 5.5.x (protocol) class — a 552 5.5.3 is RFC 821's "too many recipients", which RFC 5321
 * §4.5.3.1.10 says to treat as temporary.
 */
export const isPermanentRefusal = (r: Reply): boolean => r.code >= 500 && r.code < 600 && !NOT_ABOUT_RECIPIENT.has(r.code) && !r.enhanced?.startsWith('5.5.');

/** Matches replies against `throttleReplies` (`421` or `421 4.7.28`). */
export function throttleMatcher(patterns: readonly string[]): (r: Reply) => boolean {
  const codes = new Set(patterns.filter((p) => !p.includes(' ')));
  const exact = new Set(patterns.filter((p) => p.includes(' ')));
  return (r) => codes.has(String(r.code)) || (r.enhanced !== undefined && exact.has(`${r.code} ${r.enhanced}`));
}
