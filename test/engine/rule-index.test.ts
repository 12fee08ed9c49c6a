/**
 * The rule index (src/engine/index-rules.ts): a decision over an indexed rule list must be the
 * decision of a plain walk over the same rules — same rule, same state updates — for any rules
 * and facts. Checked on seeded random rule sets and facts, then on focused cases.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CONDITION_STAGES } from '../../src/scenario/conditions.js';
import { decide, type Decision } from '../../src/engine/decide.js';
import type { EventName } from '../../src/engine/events.js';
import type { Facts } from '../../src/engine/facts.js';
import { rulesToTry } from '../../src/engine/index-rules.js';
import { seededRandom } from '../../src/engine/random.js';
import type { CompiledScenario } from '../../src/engine/scenario.js';
import type { Stage } from '../../src/engine/stages.js';
import { withRules } from '../../src/scenario/compile.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { parsePattern } from '../../src/engine/values.js';
import { MemoryStateStore } from '../../src/state/memory.js';

const T0 = Date.UTC(2026, 0, 1);

function compile(rules: unknown[]): CompiledScenario {
  return loadScenarioText(stringify({ name: 't', rules }), 't.yaml');
}

function facts(stage: Stage, over: Partial<Omit<Facts, 'session' | 'stage'>> & { session?: Partial<Facts['session']> } = {}): Facts {
  const { session, ...rest } = over;
  return { stage, session: { id: 's1', clientIp: '192.0.2.10', tls: false, transactions: 0, ...session }, envelope: { rcptTo: [] }, ...rest };
}

/** At rcpt: the recipient being added, with the envelope so far. */
const atRcpt = (rcpt: string, mailFrom = 'a@b.test') => facts('rcpt', { rcpt, envelope: { mailFrom, rcptTo: [rcpt] } });

const ids = (rules: readonly { id: string }[]) => rules.map((r) => r.id);

// --- random rule sets and facts -----------------------------------------------------------------

/** Local parts and domains with case traps: µ (micro) and μ (mu) fold together in a regex, K (Kelvin) lower-cases to k. */
const LOCALS = ['bob', 'alice', 'nobody-1', 'nobody-12', 'µ', 'μ', 'ka', '\u212Aa', 'a.b', ''];
const DOMAINS = ['example.com', 'x.test', 'mx.x.test', 'k.test', '\u212A.test', 'ΑΣ.gr'];
const VERBS = ['VRFY', 'vrfy', 'XYZZY', 'NOOP', 'Xq'];
const EVENTS: EventName[] = ['user-unknown', 'mail-first', 'unknown-command'];
const TEXT_KEYS = ['rcpt', 'rcptDomain', 'sender', 'senderDomain', 'helo', 'verb'] as const;
const FACT_STAGES: Stage[] = ['connect', 'helo', 'mail', 'rcpt', 'data', 'message', 'vrfy', 'unknown', 'rset', 'noop'];

class Gen {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  some<T>(xs: readonly T[], max: number): T[] {
    return Array.from({ length: 1 + this.int(max) }, () => this.pick(xs));
  }
  mixCase(s: string): string {
    return [...s].map((c) => (this.chance(0.3) ? c.toUpperCase() : c)).join('');
  }
  local(): string {
    return this.mixCase(this.pick(LOCALS));
  }
  domain(): string {
    return this.mixCase(this.pick(DOMAINS));
  }
  address(): string {
    if (this.chance(0.05)) return 'postmaster';
    if (this.chance(0.05)) return `${this.local()}@x@${this.domain()}`;
    return `${this.local()}@${this.domain()}`;
  }

  /** Literal and wildcard patterns of every shape parsePattern knows, keyed or not. */
  addressPattern(): string {
    const l = this.local();
    const d = this.domain();
    return this.pick([
      () => this.address(),
      () => `${l}@*`,
      () => `*@${d}`,
      () => `*${l}*`,
      () => `${l}@*.test`,
      () => `${l}?@*`,
      () => `?${l}@${d}`,
      () => `*@*${d}`,
      () => `/^${l.replace(/[.]/g, '\\.')}@/i`,
      () => '*',
      () => '<>',
    ])();
  }
  domainPattern(): string {
    const d = this.domain();
    return this.pick([() => d, () => '*.test', () => `${d}*`, () => `*${d}`, () => `?${d.slice(1)}`, () => '/test$/', () => `${d.slice(0, 2)}?*`])();
  }
  patterns(make: () => string): string | string[] {
    return this.chance(0.6) ? make() : this.some([0], 3).map(make);
  }

  rule(i: number): Record<string, unknown> {
    const when: Record<string, unknown> = {};
    for (const key of this.some(TEXT_KEYS, 2)) {
      when[key] = key === 'verb' ? this.patterns(() => this.mixCase(this.pick(VERBS))) : key.endsWith('Domain') || key === 'helo' ? this.patterns(() => this.domainPattern()) : this.patterns(() => this.addressPattern());
    }
    if (this.chance(0.2)) when.tls = this.chance(0.5);
    if (this.chance(0.1)) when.flagged = 'f1';
    if (this.chance(0.15)) when.event = this.some(EVENTS, 2);
    // an explicit stage some of the time: one, or several where every condition is known
    const known = FACT_STAGES.filter((s) => Object.keys(when).every((k) => CONDITION_STAGES[k as keyof typeof CONDITION_STAGES].includes(s)));
    if (known.length === 0) return this.rule(i);
    if (this.chance(0.4)) when.stage = this.chance(0.5) ? this.pick(known) : [...new Set(this.some(known, 3))];
    const rule: Record<string, unknown> = { id: `r${i}`, when, then: `550 5.1.1 rule ${i}` };
    if (this.chance(0.15)) rule.times = 1 + this.int(3);
    if (this.chance(0.1)) rule.after = this.int(3);
    if (this.chance(0.1)) rule.probability = 0.5;
    if (this.chance(0.1)) rule.rate = '2/1m';
    if (this.chance(0.1)) rule.greylist = { delay: '1m', expire: '10m' };
    if (this.chance(0.1)) rule.flag = { name: 'f1', for: '5m' };
    if (rule.times !== undefined || rule.rate !== undefined || rule.greylist !== undefined) {
      if (this.chance(0.5)) rule.per = this.pick(['rcpt', 'sender', 'ip', ['ip', 'rcpt']]);
    }
    return rule;
  }

  facts(event: boolean): Facts {
    const stage = this.pick(FACT_STAGES);
    const index = FACT_STAGES.indexOf(stage);
    const command = !['connect', 'message'].includes(stage) ? { verb: this.pick(VERBS), arg: '', line: '' } : undefined;
    const mailFrom = index >= FACT_STAGES.indexOf('mail') && index <= FACT_STAGES.indexOf('message') ? (this.chance(0.2) ? '' : this.address()) : undefined;
    const rcptTo = index >= FACT_STAGES.indexOf('rcpt') && index <= FACT_STAGES.indexOf('message') ? this.some([0], 3).map(() => this.address()) : [];
    return facts(stage, {
      session: { clientIp: this.pick(['192.0.2.1', '192.0.2.2']), tls: this.chance(0.5), ...(stage === 'connect' ? {} : { heloName: this.chance(0.5) ? this.domain() : `mail.${this.domain()}` }) },
      ...(command ? { command } : {}),
      envelope: { ...(mailFrom === undefined ? {} : { mailFrom }), rcptTo },
      ...(stage === 'rcpt' ? { rcpt: rcptTo[rcptTo.length - 1]! } : {}),
      ...(stage === 'message' ? { message: { size: 100 } } : {}),
      ...(event ? { event: this.pick(EVENTS) } : {}),
    });
  }
}

/** One decision, applied to its own state, as the adapter does. */
function step(rules: Parameters<typeof decide>[0]['rules'], f: Facts, state: MemoryStateStore, now: number, random: () => number): Decision {
  const d = decide({ facts: f, rules, state, now, random });
  state.apply(d.updates, now);
  return d;
}

describe('rule index: the same decisions as a plain walk', () => {
  it('on 300 seeded random rule sets, 60 decisions each, with state carried along', () => {
    let fired = 0;
    let pruned = 0;
    let decisions = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const g = new Gen(seed);
      const scenario = compile(Array.from({ length: 2 + g.int(40) }, (_, i) => g.rule(i)));
      const [indexedState, plainState] = [new MemoryStateStore(), new MemoryStateStore()];
      const [indexedRandom, plainRandom] = [seededRandom(seed), seededRandom(seed)];
      let now = T0;
      for (let n = 0; n < 60; n++) {
        now += g.int(4) * 30_000;
        const event = g.chance(0.2);
        const f = g.facts(event);
        const list = event ? scenario.eventRules : scenario.rulesByStage.get(f.stage)!;
        // a copy carries no index: decide walks it rule by rule
        const plain = step([...list], f, plainState, now, plainRandom);
        const indexed = step(list, f, indexedState, now, indexedRandom);
        expect({ rule: indexed.rule?.id, updates: indexed.updates }, `seed ${seed}, decision ${n}`).toEqual({ rule: plain.rule?.id, updates: plain.updates });
        decisions++;
        if (plain.rule) fired++;
        if (rulesToTry(list, f).length < list.length) pruned++;
      }
    }
    // the comparison means something only if rules fire and the index leaves rules out
    expect(fired).toBeGreaterThan(decisions / 10);
    expect(pruned).toBeGreaterThan(decisions / 10);
  });
});

describe('rule index: focused cases', () => {
  /** The bench's rules: `rcpt: "nobody-N@*"`, which its traffic never matches. */
  const misses = (n: number, stage: Stage = 'rcpt') =>
    Array.from({ length: n }, (_, i) => ({ id: `r-${i + 1}`, when: { stage, rcpt: `nobody-${i + 1}@*` }, then: `550 5.1.1 nobody-${i + 1}` }));

  it('a thousand literal-local-part rules: only the one that can match is tried, whatever the case', () => {
    const scenario = compile(misses(1000));
    const list = scenario.rulesByStage.get('rcpt')!;
    expect(rulesToTry(list, atRcpt('someone@x.test'))).toEqual([]);
    expect(ids(rulesToTry(list, atRcpt('NoBody-500@X.test')))).toEqual(['r-500']);
    expect(decide({ facts: atRcpt('NoBody-500@X.test'), rules: list, state: new MemoryStateStore(), now: T0, random: () => 0 }).rule?.id).toBe('r-500');
  });

  it('candidates keep file order, interleaved with the rules that are always tried', () => {
    const scenario = compile([
      { id: 'bob-local', when: { rcpt: 'bob@*' }, then: '450 4.2.1 a' },
      { id: 'no-tls', when: { stage: 'rcpt', tls: false }, then: '450 4.2.1 b' },
      { id: 'example-domain', when: { rcpt: '*@Example.COM' }, then: '450 4.2.1 c' },
      { id: 'regex', when: { rcpt: '/^b/' }, then: '450 4.2.1 d' },
      { id: 'list', when: { rcpt: ['carol@x.test', 'BOB@example.com'] }, then: '450 4.2.1 e' },
      { id: 'domain-field', when: { rcptDomain: 'example.com', sender: '*@*' }, then: '450 4.2.1 f' },
    ]);
    const list = scenario.rulesByStage.get('rcpt')!;
    expect(ids(rulesToTry(list, atRcpt('bob@example.com')))).toEqual(['bob-local', 'no-tls', 'example-domain', 'regex', 'list', 'domain-field']);
    expect(ids(rulesToTry(list, atRcpt('Carol@X.test')))).toEqual(['no-tls', 'regex', 'list']);
    expect(ids(rulesToTry(list, atRcpt('dave@elsewhere.test')))).toEqual(['no-tls', 'regex']);
  });

  it('after RCPT every recipient of the envelope is looked up', () => {
    const scenario = compile([...misses(20, 'data'), { id: 'any', when: { stage: 'data', tls: true }, then: '450 4.2.1 x' }]);
    const f = facts('data', { envelope: { mailFrom: 'a@b.test', rcptTo: ['nobody-3@x.test', 'nobody-17@y.test', 'nobody-3@z.test'] } });
    expect(ids(rulesToTry(scenario.rulesByStage.get('data')!, f))).toEqual(['r-3', 'r-17', 'any']);
  });

  it('a rule counts (times) and fails over (rate) exactly as before: updates only once its conditions hold', () => {
    const scenario = compile([
      ...misses(50),
      { id: 'twice', when: { rcpt: 'bob@*' }, then: '450 4.2.1 busy', times: 2, per: 'rcpt' },
      { id: 'rate', when: { rcpt: '*@example.com' }, then: '450 4.2.1 slow', rate: '1/1m' },
    ]);
    const list = scenario.rulesByStage.get('rcpt')!;
    const state = new MemoryStateStore();
    const run = (rcpt: string) => step(list, atRcpt(rcpt), state, T0, () => 0);
    expect([run('carol@x.test'), run('bob@example.com'), run('bob@example.com'), run('bob@example.com'), run('bob@example.com')].map((d) => d.rule?.id ?? null)).toEqual([
      null,
      'twice',
      'twice',
      null, // times used up; the rate rule's first hit in the window passes
      'rate',
    ]);
    expect(run('carol@x.test').updates).toEqual([]);
  });

  it('a rule found under two keys, or through two recipients, is tried once', () => {
    const scenario = compile([...misses(10, 'data'), { id: 'both', when: { stage: 'data', rcpt: ['bob@*', '*@example.com'] }, then: '450 4.2.1 x', after: 5 }]);
    const list = scenario.rulesByStage.get('data')!;
    const f = facts('data', { envelope: { mailFrom: 'a@b.test', rcptTo: ['bob@example.com', 'carol@example.com'] } });
    expect(ids(rulesToTry(list, f))).toEqual(['both']);
    // falling through (after: 5) counts the match: once, not once per key
    expect(step(list, f, new MemoryStateStore(), T0, () => 0).updates).toHaveLength(1);
  });

  it('regex case folding that lower-casing does not share keeps the rule always tried', () => {
    // "µ" (micro sign) and "μ" (Greek mu) are one letter to a case-insensitive regex, two to toLowerCase
    const scenario = compile([...misses(10), { id: 'micro', when: { rcpt: 'µ@*x' }, then: '550 5.1.1 micro' }]);
    const d = decide({ facts: atRcpt('μ@ax'), rules: scenario.rulesByStage.get('rcpt')!, state: new MemoryStateStore(), now: T0, random: () => 0 });
    expect(d.rule?.id).toBe('micro');
    // the Kelvin sign lower-cases to "k", as the exact pattern's own test reads it
    const kelvin = compile([...misses(10), { id: 'k', when: { rcpt: 'k@x.test' }, then: '550 5.1.1 k' }]);
    expect(decide({ facts: atRcpt('\u212A@X.test'), rules: kelvin.rulesByStage.get('rcpt')!, state: new MemoryStateStore(), now: T0, random: () => 0 }).rule?.id).toBe('k');
  });

  it('rules pushed at run time (withRules) are indexed too, before the scenario’s own', () => {
    const base = compile(misses(100));
    const pushed = compile([{ id: 'pushed-1', when: { rcpt: 'nobody-7@*' }, then: '451 4.3.0 pushed' }]).rules;
    const scenario = withRules(base, [...pushed, ...base.rules]);
    const list = scenario.rulesByStage.get('rcpt')!;
    expect(ids(rulesToTry(list, atRcpt('nobody-7@x.test')))).toEqual(['pushed-1', 'r-7']);
    expect(rulesToTry(list, atRcpt('nobody-700@x.test'))).toEqual([]);
  });

  it('an unindexed list (any plain array) is walked whole', () => {
    const scenario = compile(misses(10));
    expect(rulesToTry(scenario.rules, atRcpt('x@y.test'))).toBe(scenario.rules);
  });
});

describe('pattern keys: what every value a pattern matches has, lower-cased', () => {
  const key = (source: string) => {
    const parsed = parsePattern(source);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.value.key;
  };
  it.each([
    ['Bob@Example.com', { part: 'whole', text: 'bob@example.com' }],
    ['nobody-5@*', { part: 'local', text: 'nobody-5' }],
    ['bob@example.*', { part: 'local', text: 'bob' }],
    ['*@Example.com', { part: 'domain', text: 'example.com' }],
    ['*bob@example.com', { part: 'domain', text: 'example.com' }],
    ['bob@*.example.com', { part: 'local', text: 'bob' }],
    ['?ob@example.com', { part: 'domain', text: 'example.com' }],
    ['@*', { part: 'local', text: '' }],
    ['<>', { part: 'whole', text: '<>' }],
  ] as const)('%s', (source, expected) => expect(key(source)).toEqual(expected));
  it.each(['*bob*', 'bob*', '*.example.com', 'b?b*', '*', '/^bob@/i', 'µ@*x'])('%s has none', (source) => expect(key(source)).toBeUndefined());
});
