/** The rule engine with no sockets: facts in, decision out, with injected counters and random. */
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/engine/decide.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import type { Facts } from '../../src/engine/facts.js';
import { seededRandom, streamFor } from '../../src/engine/random.js';
import type { CompiledScenario } from '../../src/engine/scenario.js';
import type { Stage } from '../../src/engine/stages.js';
import { loadScenarioText } from '../../src/scenario/load.js';

function compile(rulesYaml: string): CompiledScenario {
  return loadScenarioText(`name: t\nrules:\n${rulesYaml}`, 't.yaml');
}

function facts(stage: Stage, over: Partial<Omit<Facts, 'session'>> & { session?: Partial<Facts['session']> } = {}): Facts {
  const { session, ...rest } = over;
  return {
    stage,
    session: { id: 's1', clientIp: '192.0.2.10', tls: false, transactions: 0, ...session },
    envelope: { rcptTo: [] },
    ...rest,
  };
}

/**
 * Runs decisions in sequence, applying state updates like the adapter does; returns the
 * answering rule ids. An input may be a number: that many milliseconds pass on the clock.
 */
function run(scenario: CompiledScenario, inputs: (Facts | number)[], random: () => number = () => 0, state = new MemoryStateStore()): (string | null)[] {
  let now = Date.UTC(2026, 0, 1);
  const out: (string | null)[] = [];
  for (const input of inputs) {
    if (typeof input === 'number') {
      now += input;
      continue;
    }
    const d = decide({ facts: input, rules: scenario.rules, state, now, random });
    state.apply(d.updates, now);
    out.push(d.rule?.id ?? null);
  }
  return out;
}

const first = (scenario: CompiledScenario, f: Facts) => run(scenario, [f])[0];

describe('conditions', () => {
  const cases: [name: string, when: string, f: Facts, fires: boolean][] = [
    ['ip exact', '{ ip: 192.0.2.10 }', facts('connect'), true],
    ['ip CIDR in', '{ ip: 192.0.2.0/24 }', facts('connect'), true],
    ['ip CIDR out', '{ ip: 198.51.100.0/24 }', facts('connect'), false],
    ['ip list', '{ ip: [10.0.0.0/8, 192.0.2.0/28] }', facts('connect'), true],
    ['ipv4-mapped ipv6 client', '{ ip: 192.0.2.0/24 }', facts('connect', { session: { clientIp: '::ffff:192.0.2.99' } }), true],
    ['ipv6 CIDR', '{ ip: "2001:db8::/32" }', facts('connect', { session: { clientIp: '2001:db8:0:1::5' } }), true],
    ['tls off', '{ tls: false }', facts('connect'), true],
    ['tls on wanted', '{ tls: true }', facts('connect'), false],
    ['helo glob', '{ helo: "*.example.com" }', facts('helo', { session: { heloName: 'mx1.EXAMPLE.com' } }), true],
    ['helo regex', '{ helo: "/^\\\\[?\\\\d/" }', facts('helo', { session: { heloName: '[192.0.2.1]' } }), true],
    ['sender exact, case-insensitive', '{ sender: Alice@Example.com }', facts('mail', { envelope: { mailFrom: 'alice@example.com', rcptTo: [] } }), true],
    ['null sender', '{ sender: "<>" }', facts('mail', { envelope: { mailFrom: '', rcptTo: [] } }), true],
    ['sender domain', '{ senderDomain: "example.*" }', facts('mail', { envelope: { mailFrom: 'a@example.org', rcptTo: [] } }), true],
    ['rcpt at rcpt reads the one being added', '{ rcpt: "bob@*" }', facts('rcpt', { rcpt: 'carol@x.test', envelope: { mailFrom: 'a@b', rcptTo: ['bob@x.test', 'carol@x.test'] } }), false],
    ['rcpt at message reads any', '{ stage: message, rcpt: "bob@*" }', facts('message', { envelope: { mailFrom: 'a@b', rcptTo: ['carol@x.test', 'bob@x.test'] }, message: { size: 1 } }), true],
    ['rcptDomain', '{ rcptDomain: x.test }', facts('rcpt', { rcpt: 'carol@x.test', envelope: { mailFrom: 'a@b', rcptTo: ['carol@x.test'] } }), true],
    ['rcptCount comparison', '{ rcptCount: ">= 3" }', facts('rcpt', { rcpt: 'c@x', envelope: { mailFrom: 'a@b', rcptTo: ['a@x', 'b@x', 'c@x'] } }), true],
    ['rcptCount below', '{ rcptCount: ">= 3" }', facts('rcpt', { rcpt: 'b@x', envelope: { mailFrom: 'a@b', rcptTo: ['a@x', 'b@x'] } }), false],
    ['verb and arg', '{ verb: VRFY, arg: "/^postmaster/i" }', facts('vrfy', { command: { verb: 'VRFY', arg: 'Postmaster', line: 'VRFY Postmaster' } }), true],
    ['unknown verb', '{ verb: XYZZY }', facts('unknown', { command: { verb: 'XYZZY', arg: '', line: 'XYZZY' } }), true],
    ['size with unit', '{ stage: message, size: "> 1KB" }', facts('message', { message: { size: 2000 } }), true],
    ['declared size at mail', '{ stage: mail, size: "> 1MB" }', facts('mail', { envelope: { mailFrom: 'a@b', rcptTo: [], declaredSize: 5_000_000 } }), true],
    ['size range', '{ stage: message, size: "1KB..2KB" }', facts('message', { message: { size: 4000 } }), false],
    ['header value', '{ header: { Subject: "/invoice/i" } }', facts('message', { message: { size: 1, headers: new Map([['subject', ['Your INVOICE']]]) } }), true],
    ['header absent', '{ header: { Date: { present: false } } }', facts('message', { message: { size: 1, headers: new Map() } }), true],
    ['header count', '{ header: { Received: { count: "> 2" } } }', facts('message', { message: { size: 1, headers: new Map([['received', ['a', 'b', 'c']]]) } }), true],
    ['subject', '{ subject: "*urgent*" }', facts('message', { message: { size: 1, subject: 'An URGENT matter' } }), true],
    ['body regex', '{ body: "/XJS\\\\*C4JDBQADN1/" }', facts('message', { message: { size: 1, text: 'x XJS*C4JDBQADN1 y' } }), true],
    ['auth stage validity', '{ authValid: false }', facts('auth', { auth: { user: 'u', mechanism: 'PLAIN', valid: false } }), true],
    ['auth user after login', '{ stage: mail, authUser: "svc-*" }', facts('mail', { session: { authUser: 'svc-billing' }, envelope: { mailFrom: 'a@b', rcptTo: [] } }), true],
    ['authenticated false', '{ stage: mail, authenticated: false }', facts('mail', { envelope: { mailFrom: 'a@b', rcptTo: [] } }), true],
    ['all conditions must hold', '{ rcpt: "bob@*", tls: true }', facts('rcpt', { rcpt: 'bob@x', envelope: { mailFrom: 'a@b', rcptTo: ['bob@x'] } }), false],
  ];
  it.each(cases)('%s', (_name, when, f, fires) => {
    const scenario = compile(`  - id: r\n    when: ${when}\n    then: accept\n`);
    expect(first(scenario, f)).toBe(fires ? 'r' : null);
  });
});

describe('stages', () => {
  it('a rule answers only at its stage; inferred from its conditions', () => {
    const s = compile(`
  - id: by-sender
    when: { sender: "spam@*" }
    then: "550 5.7.1 no"
  - id: by-header
    when: { header: { X-Spam: yes } }
    then: "550 5.7.1 no"
  - id: anywhere-verb
    when: { verb: NOOP }
    then: "250 2.0.0 fine"
`);
    const stagesOf = (id: string) => [...s.rules.find((r) => r.id === id)!.stages];
    expect(stagesOf('by-sender')).toEqual(['mail']);
    expect(stagesOf('by-header')).toEqual(['message']);
    expect(stagesOf('anywhere-verb')).not.toContain('connect');
    expect(stagesOf('anywhere-verb')).toContain('noop');
    const mail = facts('mail', { envelope: { mailFrom: 'spam@x', rcptTo: [] } });
    expect(first(s, mail)).toBe('by-sender');
    expect(first(s, { ...mail, stage: 'rcpt', rcpt: 'b@x' })).toBe(null);
  });

  it('a catalog reply with no conditions applies at the entry’s own stage', () => {
    const s = compile('  - then: { reply: gmail.tls-required }\n');
    expect([...s.rules[0]!.stages]).toEqual(['rcpt']);
  });

  it('the first matching rule wins, in file order', () => {
    const s = compile(`
  - { id: a, when: { stage: rcpt, rcpt: "x@*" }, then: "550 5.1.1 a" }
  - { id: b, when: { stage: rcpt }, then: "550 5.1.1 b" }
`);
    expect(first(s, facts('rcpt', { rcpt: 'x@y', envelope: { mailFrom: '', rcptTo: ['x@y'] } }))).toBe('a');
    expect(first(s, facts('rcpt', { rcpt: 'z@y', envelope: { mailFrom: '', rcptTo: ['z@y'] } }))).toBe('b');
  });
});

describe('modifiers', () => {
  const rcpt = (to = 'bob@x.test') => facts('rcpt', { rcpt: to, envelope: { mailFrom: 'a@b', rcptTo: [to] } });

  it('times: fires on the first N matches, then falls through', () => {
    const s = compile('  - { id: twice, when: { rcpt: "bob@*" }, then: "450 4.2.1 slow down", times: 2 }\n');
    expect(run(s, [rcpt(), rcpt(), rcpt(), rcpt()])).toEqual(['twice', 'twice', null, null]);
  });

  it('after: skips the first N matches', () => {
    const s = compile('  - { id: late, when: { rcpt: "bob@*" }, then: "452 4.2.2 full", after: 2 }\n');
    expect(run(s, [rcpt(), rcpt(), rcpt(), rcpt()])).toEqual([null, null, 'late', 'late']);
  });

  it('after and times together: a window of matches', () => {
    const s = compile('  - { id: w, when: { stage: rcpt }, then: "451 4.3.0 x", after: 1, times: 2 }\n');
    expect(run(s, [rcpt(), rcpt(), rcpt(), rcpt(), rcpt()])).toEqual([null, 'w', 'w', null, null]);
  });

  it('non-matching facts do not count', () => {
    const s = compile('  - { id: twice, when: { rcpt: "bob@*" }, then: "450 4.2.1 x", times: 1 }\n');
    expect(run(s, [rcpt('carol@x'), rcpt('carol@x'), rcpt(), rcpt()])).toEqual([null, null, 'twice', null]);
  });

  it('a rule that falls through lets the next rule answer', () => {
    const s = compile(`
  - { id: first, when: { stage: rcpt }, then: "450 4.2.1 x", times: 1 }
  - { id: second, when: { stage: rcpt }, then: "550 5.1.1 y" }
`);
    expect(run(s, [rcpt(), rcpt()])).toEqual(['first', 'second']);
  });

  it('per: each recipient fails twice, counted separately', () => {
    const s = compile('  - { id: twice, when: { stage: rcpt }, then: "450 4.2.1 x", times: 2, per: rcpt }\n');
    expect(run(s, [rcpt('a@x'), rcpt('b@x'), rcpt('A@x'), rcpt('b@x'), rcpt('a@x'), rcpt('b@x')])).toEqual(['twice', 'twice', 'twice', 'twice', null, null]);
  });

  it('per: combined keys (ip and sender), and netblocks', () => {
    const s = compile('  - { id: r, when: { stage: mail }, then: "421 4.7.0 x", after: 1, per: [netblock, sender] }\n');
    const mail = (ip: string, from: string) => facts('mail', { session: { clientIp: ip }, envelope: { mailFrom: from, rcptTo: [] } });
    expect(run(s, [mail('192.0.2.1', 'a@x'), mail('192.0.2.200', 'a@x'), mail('198.51.100.1', 'a@x'), mail('192.0.2.7', 'b@x')])).toEqual([null, 'r', null, null]);
  });

  it('probability: seeded, so the same seed gives the same run', () => {
    const s = compile('  - { id: p, when: { stage: rcpt }, then: "451 4.3.0 x", probability: 0.3 }\n');
    const inputs = Array.from({ length: 200 }, () => rcpt());
    const a = run(s, inputs, seededRandom(1234));
    const b = run(s, inputs, seededRandom(1234));
    const c = run(s, inputs, seededRandom(999));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const fired = a.filter((x) => x === 'p').length;
    expect(fired).toBeGreaterThan(35);
    expect(fired).toBeLessThan(85);
  });

  it('probability 0 never fires, 1 always fires', () => {
    const never = compile('  - { id: p, when: { stage: rcpt }, then: "451 4.3.0 x", probability: 0 }\n');
    const always = compile('  - { id: p, when: { stage: rcpt }, then: "451 4.3.0 x", probability: 1 }\n');
    const inputs = Array.from({ length: 50 }, () => rcpt());
    expect(run(never, inputs, seededRandom(1)).every((x) => x === null)).toBe(true);
    expect(run(always, inputs, seededRandom(1)).every((x) => x === 'p')).toBe(true);
  });

  it('session streams are independent and reproducible', () => {
    const take = (r: () => number) => Array.from({ length: 5 }, r);
    expect(take(streamFor(7, 0))).toEqual(take(streamFor(7, 0)));
    expect(take(streamFor(7, 0))).not.toEqual(take(streamFor(7, 1)));
  });
});

describe('actions', () => {
  it('normalises shorthand, catalog ids and objects to one Reply', () => {
    const s = compile(`
  - { id: a, when: { stage: rcpt }, then: { reply: "550 5.1.1 No such user" } }
  - { id: b, when: { stage: rcpt }, then: { reply: gmail.user-unknown } }
  - { id: c, when: { stage: rcpt }, then: { reply: { code: 421, enhanced: 4.7.0, text: [one, two] } } }
  - { id: d, when: { stage: rcpt }, then: { delay: 2s, reply: "451 4.4.2 slow" } }
  - { id: e, when: { stage: rcpt }, then: { delay: 500ms } }
  - { id: f, when: { stage: rcpt }, then: "550 5.1.1 two\\nlines" }
`.replace('then: "550 5.1.1 two\\\\nlines"', 'then: { reply: "550 5.1.1 two\\nlines" }'));
    const action = (id: string) => s.rules.find((r) => r.id === id)!.action;
    expect(action('a')).toEqual({ kind: 'reply', delayMs: 0, reply: { code: 550, enhanced: '5.1.1', lines: ['No such user'], close: false } });
    expect(action('b').reply).toMatchObject({ code: 550, enhanced: '5.1.1' });
    expect(action('c').reply).toEqual({ code: 421, enhanced: '4.7.0', lines: ['one', 'two'], close: true });
    expect(action('d')).toMatchObject({ kind: 'reply', delayMs: 2000 });
    expect(action('e')).toEqual({ kind: 'continue', delayMs: 500 });
    expect(action('f').reply?.lines).toEqual(['two', 'lines']);
  });

  it('the compiled scenario is frozen', () => {
    const s = compile('  - { id: a, when: { stage: rcpt }, then: accept }\n');
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.rules)).toBe(true);
    expect(Object.isFrozen(s.rules[0])).toBe(true);
    expect(Object.isFrozen(s.server)).toBe(true);
  });
});

describe('rate', () => {
  const rcpt = (to = 'bob@x.test') => facts('rcpt', { rcpt: to, envelope: { mailFrom: 'a@b', rcptTo: [to] } });
  const MIN = 60_000;

  it('lets N per window through, answers the rest, and lets more through as the window slides', () => {
    const s = compile('  - { id: r, when: { stage: rcpt }, then: "450 4.2.1 slow down", rate: 2/10m }\n');
    expect(run(s, [rcpt(), MIN, rcpt(), MIN, rcpt(), rcpt(), 8 * MIN + 1, rcpt(), rcpt(), MIN, rcpt()])).toEqual([null, null, 'r', 'r', null, 'r', null]);
  });

  it('counts per key', () => {
    const s = compile('  - { id: r, when: { stage: rcpt }, then: "450 4.2.1 x", rate: { limit: 1, window: 1h }, per: rcpt }\n');
    expect(run(s, [rcpt('a@x'), rcpt('b@x'), rcpt('a@x'), rcpt('b@x')])).toEqual([null, null, 'r', 'r']);
  });

  it('rejects a malformed rate at load', () => {
    expect(() => compile('  - { when: { stage: rcpt }, then: accept, rate: "ten per hour" }\n')).toThrow(/is not a rate; write it like "10\/1h"/);
  });
});

describe('greylist', () => {
  const MIN = 60_000;
  const attempt = (ip = '192.0.2.1', from = 'a@x.test', to = 'bob@y.test') =>
    facts('rcpt', { session: { clientIp: ip }, rcpt: to, envelope: { mailFrom: from, rcptTo: [to] } });
  const s = compile('  - { id: g, when: { stage: rcpt }, then: "450 4.7.1 Greylisted", greylist: { delay: 5m, expire: 4h, remember: 1d } }\n');

  it('the first attempt and an early retry are refused; a retry after the delay passes and is remembered', () => {
    expect(run(s, [attempt(), 2 * MIN, attempt(), 3 * MIN, attempt(), attempt(), 12 * 60 * MIN, attempt()])).toEqual(['g', 'g', null, null, null]);
  });

  it('keys are ip + sender + recipient by default', () => {
    expect(run(s, [attempt(), 6 * MIN, attempt('192.0.2.2'), attempt('192.0.2.1', 'other@x.test'), attempt('192.0.2.1', 'a@x.test', 'carol@y.test'), attempt()])).toEqual([
      'g',
      'g',
      'g',
      'g',
      null,
    ]);
  });

  it('a retry after the entry expired starts over; the pass is forgotten after remember', () => {
    expect(run(s, [attempt(), 5 * 60 * MIN, attempt(), 6 * MIN, attempt(), 25 * 60 * MIN, attempt()])).toEqual(['g', 'g', null, 'g']);
  });
});

describe('flags', () => {
  it('a rule flags the client IP for a while; another rule reads the flag', () => {
    const s = compile(`
  - id: blocked
    when: { stage: mail, flagged: spammer }
    then: godaddy.ib110-spam-blocked-hour
  - id: spam
    when: { stage: message, check: gtube }
    then: godaddy.ib212-spam
    flag: { name: spammer, for: 1h }
`);
    const mail = (ip: string) => facts('mail', { session: { clientIp: ip }, envelope: { mailFrom: 'a@x', rcptTo: [] } });
    const spam = (ip: string) => facts('message', { session: { clientIp: ip }, envelope: { mailFrom: 'a@x', rcptTo: ['b@y'] }, message: { size: 10, gtube: true } });
    expect(run(s, [mail('192.0.2.1'), spam('192.0.2.1'), mail('192.0.2.1'), mail('192.0.2.2'), 3_600_001, mail('192.0.2.1')])).toEqual([null, 'spam', 'blocked', null, null]);
  });
});

describe('counter keys', () => {
  it('netblocks are the /24 of IPv4 and the /64 of IPv6', async () => {
    const { netblockOf } = await import('../../src/engine/keys.js');
    expect(netblockOf('192.0.2.77')).toBe('192.0.2.0/24');
    expect(netblockOf('::ffff:192.0.2.77')).toBe('192.0.2.0/24');
    expect(netblockOf('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
  });

  it('urlDomain is the first link\'s host; dkimDomain a passing signature\'s domain', async () => {
    const { counterKey, firstUrlDomain } = await import('../../src/engine/keys.js');
    expect(firstUrlDomain('see <a href="HTTPS://Shop.Example.com:8443/x?y">here</a> and http://other.test')).toBe('shop.example.com');
    expect(firstUrlDomain('no links')).toBe('');
    const f = facts('message', {
      message: {
        size: 1,
        authentication: {
          dkim: [
            { result: 'fail', domain: 'bad.test', selector: 's', aligned: false },
            { result: 'pass', domain: 'Good.Test', selector: 's', aligned: true },
          ],
          dmarc: { result: 'pass', domain: 'good.test', policy: 'none' },
          arc: 'none',
          spf: 'none',
          headers: '',
        },
      },
    });
    expect(counterKey('r', ['dkimDomain'], f)).toBe('r|dkimDomain=good.test');
  });
});
