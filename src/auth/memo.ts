/**
 * Authentication answers for a scenario's DNS zone, remembered. A compiled zone never changes
 * (a new scenario brings a new zone), and mailauth is deterministic over it, so the same
 * question always gets the same answer: a client sending many messages from one address pays
 * for SPF, PTR and DMARC once (mailauth costs ~120 µs a message even on headers alone).
 */
import type { MessageAuthFacts, PtrFacts, SpfFacts } from './types.js';
import { checkMessage, checkPtr, checkSpf, type MessageAuthInput, type SpfInput } from './check.js';
import { zoneResolver, type Resolver, type Zone } from './zone.js';

export interface AuthChecks {
  readonly resolver: Resolver;
  ptr(ip: string): Promise<PtrFacts>;
  spf(input: Omit<SpfInput, 'resolver'>): Promise<SpfFacts>;
  /**
   * For an unsigned message's header section (see unsignedHeaderSection): mailauth reads only
   * its From and Return-Path fields then, so those and the envelope are the whole question.
   */
  unsignedMessage(section: Buffer, input: Omit<MessageAuthInput, 'resolver' | 'message'>): Promise<MessageAuthFacts>;
}

/** Answers kept per kind and zone; past this the cache starts again (cheap, and bounded). */
const MAX_ANSWERS = 1000;
const byZone = new WeakMap<Zone, AuthChecks>();

export function authChecks(zone: Zone): AuthChecks {
  let checks = byZone.get(zone);
  if (!checks) {
    const resolver = zoneResolver(zone);
    const ptr = remembered<PtrFacts>();
    const spf = remembered<SpfFacts>();
    const message = remembered<MessageAuthFacts>();
    const envelope = (i: Omit<SpfInput, 'resolver'>) => `${i.sender}\0${i.ip}\0${i.helo}\0${i.mta}`;
    checks = {
      resolver,
      ptr: (ip) => ptr(ip, () => checkPtr(ip, resolver)),
      spf: (input) => spf(envelope(input), () => checkSpf({ ...input, resolver })),
      unsignedMessage: (section, input) => message(`${envelope(input)}\0${identityFields(section)}`, () => checkMessage({ ...input, message: section, resolver })),
    };
    byZone.set(zone, checks);
  }
  return checks;
}

function remembered<T>(): (key: string, compute: () => Promise<T>) => Promise<T> {
  const answers = new Map<string, Promise<T>>();
  return (key, compute) => {
    const known = answers.get(key);
    if (known) return known;
    if (answers.size >= MAX_ANSWERS) answers.clear();
    const answer = compute();
    answers.set(key, answer);
    answer.catch(() => answers.delete(key)); // a failure is not an answer
    return answer;
  };
}

/** The From and Return-Path fields, unfolded lines as written: all mailauth reads of an unsigned message. */
function identityFields(section: Buffer): string {
  return section
    .toString('latin1')
    .split(/\r?\n(?![ \t])/)
    .filter((line) => /^(?:from|return-path)[ \t]*:/i.test(line))
    .join('\0');
}
