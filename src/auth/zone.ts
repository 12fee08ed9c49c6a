/**
 * DNS answered from the scenario's `dns:` table, never from the network: SPF, DKIM, DMARC,
 * ARC and reverse DNS are checked entirely offline. A name the table does not hold answers
 * NXDOMAIN; a known name without the asked type answers NODATA, as a real resolver would.
 */
import { ipToBigInt } from '../util/ip.js';

export const RECORD_TYPES = ['TXT', 'A', 'AAAA', 'MX', 'PTR', 'CNAME'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export interface MxRecord {
  readonly exchange: string;
  readonly priority: number;
}

/** Records per lower-case name without the trailing dot. */
export type Zone = ReadonlyMap<string, Readonly<Partial<Record<RecordType, readonly (string | MxRecord)[]>>>>;

/** What every resolver knows: localhost, forward and reverse, as a host's own resolver does. */
const BUILT_IN: Record<string, Partial<Record<RecordType, string[]>>> = {
  localhost: { A: ['127.0.0.1'], AAAA: ['::1'] },
  '127.0.0.1': { PTR: ['localhost'] },
  '::1': { PTR: ['localhost'] },
};

/** The reverse-lookup name of an IP address (`10.2.0.192.in-addr.arpa`, nibbles under ip6.arpa). */
export function reverseName(ip: string): string | undefined {
  const parsed = ipToBigInt(ip);
  if (!parsed) return undefined;
  if (!parsed.v6) return `${ip.replace(/^::ffff:/i, '').split('.').reverse().join('.')}.in-addr.arpa`;
  const hex = parsed.value.toString(16).padStart(32, '0');
  return `${hex.split('').reverse().join('.')}.ip6.arpa`;
}

/** A name as written in a scenario: an IP address key means its reverse-lookup name. */
export function zoneName(written: string): string {
  const name = written.toLowerCase().replace(/\.$/, '');
  return ipToBigInt(name) ? (reverseName(name) ?? name) : name;
}

export function buildZone(table: Readonly<Record<string, Partial<Record<RecordType, readonly (string | MxRecord)[]>>>>): Zone {
  const zone = new Map<string, Partial<Record<RecordType, (string | MxRecord)[]>>>();
  for (const [name, records] of [...Object.entries(BUILT_IN), ...Object.entries(table)]) {
    const key = zoneName(name);
    // the scenario's own records replace the built-in ones of the same type
    zone.set(key, { ...zone.get(key), ...(records as object) });
  }
  return zone;
}

export type Resolver = (name: string, type: string) => Promise<unknown[]>;

/** A DNS miss is routine here (most names are not in the table): no stack trace to capture. */
function dnsError(code: 'ENOTFOUND' | 'ENODATA', name: string, type: string): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return Object.assign(new Error(`query${type} ${code} ${name}`), { code, hostname: name });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A resolver shaped like `dns.promises.resolve` (TXT as string[][]), for mailauth. */
export function zoneResolver(zone: Zone): Resolver {
  return async (rawName, type) => {
    const name = rawName.toLowerCase().replace(/\.$/, '');
    const records = zone.get(name);
    if (!records) throw dnsError('ENOTFOUND', rawName, type);
    const list = records[type.toUpperCase() as RecordType];
    if (!list?.length) throw dnsError('ENODATA', rawName, type);
    if (type.toUpperCase() === 'TXT') return list.map((r) => [String(r)]);
    return [...list];
  };
}

/** A domain mail can go to: it has MX records, or (the implicit MX) an A or AAAA record. */
export function hasMailRecords(zone: Zone, domain: string): boolean {
  const records = zone.get(domain.toLowerCase().replace(/\.$/, ''));
  return !!(records?.MX?.length || records?.A?.length || records?.AAAA?.length);
}
