/**
 * What kind of domain an address names: a DNS host name, an IP address (literal or bare), or
 * neither. Mail providers refuse From domains that are not real host names.
 */
import { isIPv6 } from 'node:net';

export type DomainKind = 'dns' | 'ip' | 'invalid';

/** Dotted-quad IPv4, each part 0-255 without a sign. */
export function isIpv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3) return false;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return false;
    }
    if (Number(p) > 255) return false;
  }
  return true;
}

const isLdh = (c: number) =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c >= 0x80; // ≥0x80: IDN U-label

/**
 * A host name of at least two labels (a From domain must be fully qualified): labels of 1-63
 * letters, digits and hyphens (or non-ASCII, for IDNs), not starting or ending with a hyphen,
 * at most 253 bytes, and a top-level label that is not all digits.
 */
export function isHostName(s: string): boolean {
  if (s.length === 0 || Buffer.byteLength(s) > 253) return false;
  const labels = s.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) {
    if (label.length === 0 || Buffer.byteLength(label) > 63) return false;
    if (label.charCodeAt(0) === 0x2d || label.charCodeAt(label.length - 1) === 0x2d) return false;
    for (let i = 0; i < label.length; i++) if (!isLdh(label.charCodeAt(i))) return false;
  }
  return !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

/** `domain` as written: a dot-atom, or a domain literal with its brackets. */
export function domainKind(domain: string): DomainKind {
  if (domain.startsWith('[')) {
    const inner = domain.slice(1, -1).trim();
    if (isIpv4(inner)) return 'ip';
    if (/^ipv6:/i.test(inner) && isIPv6(inner.slice(5))) return 'ip';
    return 'invalid';
  }
  if (isIpv4(domain)) return 'ip';
  return isHostName(domain) ? 'dns' : 'invalid';
}
