/**
 * What a rule counts by (`per:`): its `times`/`after` windows are kept per client IP,
 * netblock, sender, recipient… or any combination, instead of once for the whole server.
 */
import type { Facts } from './facts.js';
import { ipToBigInt } from '../util/ip.js';

export const COUNT_KEYS = ['ip', 'netblock', 'helo', 'sender', 'senderDomain', 'rcpt', 'rcptDomain', 'authUser', 'session', 'messageId', 'dkimDomain', 'urlDomain'] as const;
export type CountKey = (typeof COUNT_KEYS)[number];

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** The /24 of an IPv4 address or the /64 of an IPv6 one, as text. */
export function netblockOf(ip: string): string {
  const parsed = ipToBigInt(ip);
  if (!parsed) return ip;
  if (!parsed.v6) return `${ip.replace(/^::ffff:/i, '').split('.').slice(0, 3).join('.')}.0/24`;
  const prefix = parsed.value >> 64n;
  const groups = Array.from({ length: 4 }, (_, i) => ((prefix >> BigInt(48 - 16 * i)) & 0xffffn).toString(16));
  return `${groups.join(':')}::/64`;
}

/** The host of the first http(s) link in the text, lower case; '' when there is none. */
export function firstUrlDomain(text: string): string {
  return (/\bhttps?:\/\/([^/\s:?#"'<>]+)/i.exec(text)?.[1] ?? '').toLowerCase();
}

function valueOf(key: CountKey, f: Facts): string {
  const rcpt = f.rcpt ?? f.envelope.rcptTo[0] ?? '';
  switch (key) {
    case 'ip':
      return f.session.clientIp;
    case 'netblock':
      return netblockOf(f.session.clientIp);
    case 'helo':
      return (f.session.heloName ?? '').toLowerCase();
    case 'sender':
      return (f.envelope.mailFrom ?? '').toLowerCase();
    case 'senderDomain':
      return f.envelope.mailFrom ? domainOf(f.envelope.mailFrom) : '';
    case 'rcpt':
      return rcpt.toLowerCase();
    case 'rcptDomain':
      return rcpt ? domainOf(rcpt) : '';
    case 'authUser':
      return f.auth?.user ?? f.session.authUser ?? '';
    case 'session':
      return f.session.id;
    case 'messageId':
      return (f.message?.headers?.get('message-id')?.[0] ?? '').toLowerCase();
    case 'dkimDomain':
      return (f.message?.authentication?.dkim.find((s) => s.result === 'pass')?.domain ?? '').toLowerCase();
    case 'urlDomain':
      return firstUrlDomain(f.message?.text ?? '');
  }
}

/** The counter a match of `ruleId` goes to: `rule-id` alone, or `rule-id|ip=192.0.2.1|rcpt=bob@x`. */
export function counterKey(ruleId: string, per: readonly CountKey[] | undefined, facts: Facts): string {
  if (!per?.length) return ruleId;
  return [ruleId, ...per.map((k) => `${k}=${valueOf(k, facts)}`)].join('|');
}

/** A state key: `<kind>:<name>`, then `|key=value` for each `per` key (see state/types.ts). */
export function stateKey(kind: string, name: string, per: readonly CountKey[] | undefined, facts: Facts): string {
  return counterKey(`${kind}:${name}`, per, facts);
}

/** The counter of bytes stored for a mailbox (its quota's usage). */
export const MAILBOX_USAGE_PREFIX = 'mailbox:';
export const mailboxUsageKey = (address: string): string => `${MAILBOX_USAGE_PREFIX}${address.toLowerCase()}`;
