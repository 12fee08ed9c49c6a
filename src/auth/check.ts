/**
 * Email authentication against the scenario's DNS, with mailauth: reverse DNS of the client
 * at connect, SPF at MAIL, DKIM/DMARC/ARC for the message. Results are plain facts for rules
 * and the Authentication-Results lines mockmx records on each captured message.
 */
import type { Readable } from 'node:stream';
import type { DNSResolver } from 'mailauth';
import { loadMailauth } from '../util/lazy-modules.js';
import type { AuthResult, MessageAuthFacts, PtrFacts, SpfFacts } from './types.js';
import { reverseName, type Resolver } from './zone.js';
import { headerSectionEnd } from '../checks/header-section.js';

export async function checkPtr(ip: string, resolver: Resolver): Promise<PtrFacts> {
  const reverse = reverseName(ip);
  if (!reverse) return { result: 'none' };
  let names: string[];
  try {
    names = (await resolver(reverse, 'PTR')) as string[];
  } catch {
    return { result: 'none' };
  }
  const name = names[0];
  if (!name) return { result: 'none' };
  // forward-confirmed: the name resolves back to the client's address
  const family = ip.includes(':') && !/^::ffff:/i.test(ip) ? 'AAAA' : 'A';
  const plain = ip.replace(/^::ffff:/i, '');
  try {
    const addresses = (await resolver(name, family)) as string[];
    return { result: addresses.includes(plain) ? 'pass' : 'fail', name };
  } catch {
    return { result: 'fail', name };
  }
}

export interface SpfInput {
  readonly sender: string;
  readonly ip: string;
  readonly helo: string;
  readonly mta: string;
  readonly resolver: Resolver;
}

export async function checkSpf(input: SpfInput): Promise<SpfFacts> {
  const { spf } = await loadMailauth();
  const result = await spf({ sender: input.sender, ip: input.ip.replace(/^::ffff:/i, ''), helo: input.helo, mta: input.mta, resolver: asMailauth(input.resolver) });
  return { result: normalise(result?.status?.result), domain: result?.domain ?? '', header: result?.header ?? '' };
}

export interface MessageAuthInput extends SpfInput {
  /** The whole message, or a stream of it (read once, never held whole). */
  readonly message: Buffer | Readable;
}

const SIGNATURE_FIELD = /(?:^|\n)(?:dkim-signature|arc-[a-z-]*)[ \t]*:/i;

/**
 * The header section of `start` (the message, or its first bytes with the whole header section)
 * when no field in it is a DKIM or ARC signature: then nothing in the body can change a result,
 * so mailauth need not read it. Undefined when the body matters or the section does not end in `start`.
 */
export function unsignedHeaderSection(start: Buffer, whole: boolean): Buffer | undefined {
  const end = headerSectionEnd(start);
  if (end === -1 && !whole) return undefined;
  const section = end === -1 ? start : start.subarray(0, end);
  return SIGNATURE_FIELD.test(section.toString('latin1')) ? undefined : section;
}

export async function checkMessage(input: MessageAuthInput): Promise<MessageAuthFacts> {
  const { authenticate } = await loadMailauth();
  const res = await authenticate(input.message, {
    sender: input.sender,
    ip: input.ip.replace(/^::ffff:/i, ''),
    helo: input.helo,
    mta: input.mta,
    resolver: asMailauth(input.resolver),
    disableBimi: true,
  });
  const dkim = (res.dkim?.results ?? []).map((r) => ({
    result: normalise(r.status?.result),
    domain: r.signingDomain ?? '',
    selector: r.selector ?? '',
    aligned: !!r.status?.aligned,
  }));
  return {
    dkim,
    dmarc: res.dmarc
      ? { result: normalise(res.dmarc.status?.result), domain: res.dmarc.domain ?? '', policy: (res.dmarc.policy ?? 'none') as 'none' | 'quarantine' | 'reject' }
      : { result: 'none', domain: '', policy: 'none' },
    arc: normalise(res.arc ? res.arc.status?.result : 'none'),
    spf: normalise(res.spf ? res.spf.status?.result : 'none'),
    headers: res.headers,
  };
}

/** mailauth types its resolver for TXT and A answers only; MX answers are objects, which it also reads. */
const asMailauth = (resolver: Resolver) => resolver as unknown as DNSResolver;

const RESULTS: readonly AuthResult[] = ['pass', 'fail', 'softfail', 'neutral', 'none', 'policy', 'temperror', 'permerror'];

function normalise(result: unknown): AuthResult {
  return RESULTS.includes(result as AuthResult) ? (result as AuthResult) : 'none';
}
