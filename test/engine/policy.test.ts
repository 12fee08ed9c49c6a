/**
 * The one decision path without sockets: the scenario's rules, then the built-in policy
 * (magic recipients, mailboxes and quota, event wording), each decision naming its decider.
 */
import { describe, expect, it } from 'vitest';
import type { Facts } from '../../src/engine/facts.js';
import { decideEvent, decideStage, precondition, type EntryLookup, type PolicyInput } from '../../src/engine/policy.js';
import type { CompiledScenario } from '../../src/engine/scenario.js';
import type { Stage } from '../../src/engine/stages.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { catalogEntries } from '../../src/smtp/entries.js';

const NOW = Date.UTC(2026, 0, 1);

const scenario = (yaml: string): CompiledScenario => loadScenarioText(`name: t\n${yaml}`, 't.yaml');

function facts(stage: Stage, rcptTo: string[], more: Partial<Facts> = {}): Facts {
  return { stage, session: { id: 's1', clientIp: '192.0.2.10', tls: false, transactions: 0 }, envelope: { mailFrom: 'a@client.test', rcptTo }, ...more };
}

function input(s: CompiledScenario, f: Facts, state = new MemoryStateStore(), entries: EntryLookup = catalogEntries): PolicyInput {
  return { facts: f, scenario: s, state, now: NOW, random: () => 0, entries };
}

const rcptFacts = (rcpt: string, before: string[] = []) => facts('rcpt', [...before, rcpt], { rcpt });

describe('built-in policy after the rules', () => {
  const boxes = scenario(`
server: { recipients: known }
mailboxes:
  full@example.test: { quota: 100 }
  gone@example.test: { disabled: true }
  ok@example.test: {}
replies:
  mailbox-disabled: "550 5.2.1 That account is gone"
rules:
  - { id: vip, when: { stage: rcpt, rcpt: "stranger@*" }, then: accept }
`);

  it.each([
    ['ok@example.test', undefined, undefined],
    ['nobody@example.test', 'builtin:user-unknown', 550],
    ['gone@example.test', 'replies.mailbox-disabled', 550],
  ])('RCPT %s → %s', (rcpt, by, code) => {
    const d = decideStage(input(boxes, rcptFacts(rcpt)));
    expect(d.by).toBe(by);
    expect(d.action?.reply?.code).toBe(code);
  });

  it('a rule answers before the built-in policy: an unknown recipient a rule accepts is accepted', () => {
    const d = decideStage(input(boxes, rcptFacts('stranger@example.test')));
    expect(d).toMatchObject({ by: 'vip', action: { kind: 'accept' } });
  });

  it('quota: a message that does not fit is refused naming the recipient; one that fits fills the mailbox after the store', () => {
    const state = new MemoryStateStore();
    const big = decideStage(input(boxes, facts('message', ['ok@example.test', 'full@example.test'], { message: { size: 101 } }), state));
    expect(big).toMatchObject({ by: 'builtin:mailbox-quota-exceeded', values: { rcpt: 'full@example.test' }, action: { reply: { code: 552, enhanced: '5.2.2' } } });

    const fits = decideStage(input(boxes, facts('message', ['ok@example.test', 'full@example.test'], { message: { size: 60 } }), state));
    expect(fits.action).toBeUndefined();
    expect(fits.afterStore).toEqual([{ op: 'count', key: 'mailbox:ok@example.test', by: 60 }, { op: 'count', key: 'mailbox:full@example.test', by: 60 }]);
    // the engine's update is what fills the quota: applied, the next message and the next RCPT meet it
    state.apply(fits.afterStore!, NOW);
    expect(decideStage(input(boxes, facts('message', ['full@example.test'], { message: { size: 60 } }), state)).by).toBe('builtin:mailbox-quota-exceeded');
    state.apply([{ op: 'count', key: 'mailbox:full@example.test', by: 40 }], NOW);
    expect(decideStage(input(boxes, rcptFacts('full@example.test'), state))).toMatchObject({ by: 'builtin:mailbox-full', action: { reply: { code: 452 } } });
  });
});

describe('magic recipients', () => {
  const plain = scenario('rules: []');

  it('an entry of the RCPT stage or before answers at RCPT; one of DATA or after the message is accepted and answers there', () => {
    expect(decideStage(input(plain, rcptFacts('gmail.user-unknown@x.test')))).toMatchObject({ by: 'magic:gmail.user-unknown', action: { kind: 'reply', reply: { code: 550 } } });
    const accepted = decideStage(input(plain, rcptFacts('gmail.dmarc-policy@x.test')));
    expect(accepted).toMatchObject({ by: 'magic:gmail.dmarc-policy', action: { kind: 'accept' }, note: 'magic recipient: gmail.dmarc-policy answers at message' });
    const later = decideStage(input(plain, facts('message', ['a@x.test', 'gmail.dmarc-policy@x.test'], { message: { size: 10 } })));
    expect(later).toMatchObject({ by: 'magic:gmail.dmarc-policy', action: { reply: { code: 550, enhanced: '5.7.26' } } });
  });

  it('only the first recipient of a transaction that answers later is noted', () => {
    const second = decideStage(input(plain, rcptFacts('gmail.dmarc-policy@y.test', ['gmail.dmarc-policy@x.test'])));
    expect(second.note).toBeUndefined();
  });

  it('+bounce and +autoreply become notices; a 5xx entry cannot be a +delay', () => {
    expect(decideStage(input(plain, rcptFacts('gmail.user-unknown+bounce@x.test')))).toMatchObject({ by: 'magic:gmail.user-unknown+bounce', action: { kind: 'notice', notice: { kind: 'failure' } } });
    expect(decideStage(input(plain, rcptFacts('me+autoreply@x.test')))).toMatchObject({ by: 'magic:autoreply', action: { kind: 'notice', notice: { kind: 'auto-reply' } } });
    expect(decideStage(input(plain, rcptFacts('gmail.user-unknown+delay@x.test'))).action).toBeUndefined();
  });

  it.each([
    ['connect', 554, false, 'session-refused'],
    ['helo', 550, false, 'greeting-void'],
    ['starttls', 454, false, 'transaction-void'],
    ['auth', 535, false, 'transaction-void'],
    ['mail', 550, false, 'transaction-void'],
    ['rcpt', 550, false, undefined],
    ['connect', 421, true, undefined],
    ['mail', 250, false, undefined],
  ] as const)('a %s-stage %d (close %s) replayed at RCPT leaves %s', (stage, code, close, leaves) => {
    const lookup: EntryLookup = (id) => ({ id, stage, reply: { code, enhanced: null, lines: ['x'], close } });
    const d = decideStage(input(plain, rcptFacts('acme.early@x.test'), undefined, lookup));
    expect(d.action?.reply?.code).toBe(code);
    expect(d.leaves).toBe(leaves);
    expect(d.note !== undefined).toBe(leaves !== undefined);
  });

  it('read through the injected lookup, and off when the scenario turns them off', () => {
    const lookup: EntryLookup = (id) => (id === 'acme.nope' ? { id, stage: 'rcpt', reply: { code: 554, enhanced: '5.7.1', lines: ['nope'], close: false } } : undefined);
    expect(decideStage(input(plain, rcptFacts('acme.nope@x.test'), undefined, lookup)).by).toBe('magic:acme.nope');
    const off = scenario('server: { magicRecipients: false }\nrules: []');
    expect(decideStage(input(off, rcptFacts('gmail.user-unknown@x.test'))).action).toBeUndefined();
  });
});

describe('events', () => {
  it('an event rule, then the replies table, then the built-in wording, then the server’s own', () => {
    const s = scenario(`
replies:
  helo-first: "503 5.5.1 Say hello first"
rules:
  - { id: cut, when: { event: user-unknown }, then: drop }
`);
    const f = facts('rcpt', []);
    expect(decideEvent('user-unknown', input(s, f))).toMatchObject({ by: 'cut', action: { kind: 'drop' } });
    expect(decideEvent('helo-first', input(s, f))).toMatchObject({ by: 'replies.helo-first', action: { reply: { code: 503 } } });
    expect(decideEvent('tls-required', input(s, f))).toMatchObject({ by: 'builtin:tls-required', action: { reply: { code: 530, enhanced: '5.7.0' } } });
    const own = decideEvent('mail-first', input(s, f));
    expect(own.by).toBe('builtin:mail-first');
    expect(own.action).toBeUndefined();
  });

  it('a failed login with nothing to word it is the server’s, named builtin:auth-failed', () => {
    const d = decideStage(input(scenario('rules: []'), facts('auth', [], { auth: { user: 'u', mechanism: 'PLAIN', valid: false } })));
    expect(d).toMatchObject({ by: 'builtin:auth-failed', event: 'auth-failed' });
    expect(d.action).toBeUndefined();
  });

  it('TLS required refuses MAIL, RCPT and DATA before STARTTLS, and nothing else', () => {
    const s = scenario('server: { tls: { starttls: required } }\nrules: []');
    expect(precondition(s, 'MAIL', true, false)).toBe('tls-required');
    expect(precondition(s, 'MAIL', true, true)).toBeUndefined();
    expect(precondition(s, 'NOOP', true, false)).toBeUndefined();
    expect(precondition(scenario('rules: []'), 'MAIL', true, false)).toBeUndefined();
  });
});
