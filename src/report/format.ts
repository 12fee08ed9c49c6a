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
  const rest = Math.round(ms / 1000) * 1000;
  // the largest unit that fits, and the one below it when it is not zero
  const top = units.findIndex(([, size]) => rest >= size);
  const [name, size] = units[top]!;
  parts.push(`${Math.floor(rest / size)} ${name}`);
  const next = units[top + 1];
  if (next && Math.floor((rest % size) / next[1]) > 0) parts.push(`${Math.floor((rest % size) / next[1])} ${next[0]}`);
  return parts.join(' ');
}

/** An instant as ISO 8601 (UTC). */
export const instant = (at: number): string => new Date(at).toISOString();

/** Addresses compare case-insensitively (local parts are case-sensitive in theory, never in practice). */
export const addressKey = (address: string): string => address.toLowerCase();

/** An address with characters beyond ASCII needs SMTPUTF8 (RFC 6531 §3.2). */
export const needsUtf8 = (address: string): boolean => /[^\x00-\x7f]/.test(address);
