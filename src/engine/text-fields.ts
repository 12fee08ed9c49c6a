/**
 * How conditions read facts: the text fields patterns test, and the text condition built on
 * them. The scenario compiler (scenario/conditions.ts) builds conditions from a rule's `when`
 * block with these; the rule index (index-rules.ts) reads the same fields, so the two cannot
 * disagree about what a field's values are.
 */
import type { Facts } from './facts.js';
import type { Condition } from './scenario.js';
import type { Matcher } from './values.js';

export const anyMatch = (ms: Matcher[], value: string | undefined) => value !== undefined && ms.some((m) => m.test(value));
export const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);
const senderText = (f: Facts) => (f.envelope.mailFrom === '' ? '<>' : f.envelope.mailFrom);
/** At rcpt only the recipient being added counts (a lone string: no list to build); later any recipient may match. */
export const recipients = (f: Facts): FieldValues => (f.stage === 'rcpt' && f.rcpt !== undefined ? f.rcpt : f.envelope.rcptTo);
const authUser = (f: Facts) => f.auth?.user ?? f.session.authUser;
const authMechanism = (f: Facts) => f.auth?.mechanism ?? f.session.authMechanism;

/** The texts a condition reads: none, one, or several of which any may match. */
export type FieldValues = string | readonly string[] | undefined;

export function someValue(values: FieldValues, test: (value: string) => boolean): boolean {
  if (values === undefined) return false;
  return typeof values === 'string' ? test(values) : values.some(test);
}

/**
 * A text fact that patterns test: where its values come from, and which part of each is
 * tested. Both the condition and the rule index read it from here, so they cannot disagree.
 */
export interface TextField {
  readonly name: TextFieldName;
  readonly values: (f: Facts) => FieldValues;
  readonly part?: (value: string) => string;
}

export type TextFieldName = 'helo' | 'authUser' | 'authMechanism' | 'sender' | 'senderDomain' | 'rcpt' | 'rcptDomain' | 'verb' | 'arg' | 'ptrName';

export const TEXT_FIELDS: { readonly [K in TextFieldName]: TextField } = {
  helo: { name: 'helo', values: (f) => f.session.heloName },
  authUser: { name: 'authUser', values: authUser },
  authMechanism: { name: 'authMechanism', values: authMechanism },
  sender: { name: 'sender', values: senderText },
  // the null sender has no domain
  senderDomain: { name: 'senderDomain', values: (f) => f.envelope.mailFrom || undefined, part: domainOf },
  rcpt: { name: 'rcpt', values: recipients },
  rcptDomain: { name: 'rcptDomain', values: recipients, part: domainOf },
  verb: { name: 'verb', values: (f) => f.command?.verb },
  arg: { name: 'arg', values: (f) => f.command?.arg },
  ptrName: { name: 'ptrName', values: (f) => f.session.ptr?.name },
};

/** A text condition: some value of the field matches some pattern. Indexable when every pattern has a key. */
export function textCondition(field: TextField, ms: Matcher[]): Condition {
  const { part } = field;
  const one = part ? (v: string) => anyMatch(ms, part(v)) : (v: string) => anyMatch(ms, v);
  const keys = ms.map((m) => m.key);
  const index = keys.every((k) => k !== undefined) ? { index: Object.freeze({ field, keys: Object.freeze(keys) }) } : {};
  return { key: field.name, test: (f) => someValue(field.values(f), one), ...index };
}
