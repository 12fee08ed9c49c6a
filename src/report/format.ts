/** How the card words times and addresses in evidence, and how it compares addresses. */

/** `250 ms`, `12 s`, `5 min`, `1 h 30 min`, `2 d 3 h`: the two largest units. */
export function duration(ms: number): string {
  if (ms < 0) return `-${duration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const units: readonly [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.round(ms / 1000) * 1000;
  for (const [name, size] of units) {
    if (rest < size && parts.length === 0) continue;
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${name}`);
    if (parts.length === 2 || (parts.length === 1 && rest === 0)) break;
  }
  return parts.join(' ');
}

/** An instant as ISO 8601 (UTC). */
export const instant = (at: number): string => new Date(at).toISOString();

/** Addresses compare case-insensitively (local parts are case-sensitive in theory, never in practice). */
export const addressKey = (address: string): string => address.toLowerCase();

/** An address with characters beyond ASCII needs SMTPUTF8 (RFC 6531 §3.2). */
export const needsUtf8 = (address: string): boolean => /[^\x00-\x7f]/.test(address);
