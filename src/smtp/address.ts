/** RFC 5321 mailbox syntax, loosely: what a real MTA would refuse outright. */

// dot-atom or quoted-string local part; a domain of LDH labels, or an address literal
const LOCAL = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*|"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*")$/;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const LITERAL = /^\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]+)\]$/;

export function isValidMailbox(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1 || address.length > 320) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 && !local.startsWith('"')) return false;
  // SMTPUTF8 allows UTF-8 in both parts; treat non-ASCII letters as atom text
  if (!LOCAL.test(local.replace(/[^\x00-\x7f]/g, 'a'))) return false;
  if (LITERAL.test(domain)) return true;
  const labels = domain.replace(/[^\x00-\x7f]/g, 'a').split('.');
  return domain.length <= 255 && labels.every((l) => LABEL.test(l));
}
