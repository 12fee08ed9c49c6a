/** Loading scenarios: every mistake is reported as file:line:col with a hint, and nothing else gets through. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError, type Problem } from '../../src/scenario/errors.js';
import { scenarioJsonSchemaText } from '../../src/scenario/json-schema.js';
import { loadScenario, loadScenarioText, shippedScenarioNames } from '../../src/scenario/load.js';

function problems(yaml: string, file = 'x.yaml'): Problem[] {
  try {
    loadScenarioText(yaml, file);
  } catch (err) {
    if (err instanceof ScenarioError) return [...err.problems];
    throw err;
  }
  throw new Error('expected the scenario to be rejected');
}

/** 1-based line and column of the n-th occurrence of `needle` in `text`. */
function position(text: string, needle: string, nth = 1): { line: number; column: number } {
  let index = -1;
  for (let i = 0; i < nth; i++) index = text.indexOf(needle, index + 1);
  if (index < 0) throw new Error(`"${needle}" not in text`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe('problems are located and read like advice', () => {
  it('a success: reply of the wrong class, at its key; a right one is kept and extended', () => {
    const yaml = 'success:\n  mail: "250 2.1.0 OK {token} - gsmtp"\n  data: "250 go ahead"\n';
    const [p, ...rest] = problems(yaml);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ code: 'MX_REPLY', ...position(yaml, '"250 go ahead"') });
    expect(p!.message).toContain('success.data must be a 3xx reply');
    const s = loadScenarioText('extends: gmail\nsuccess: { rcpt: "250 2.1.5 fine" }\nserver: { capabilities: [pipelining, size] }\n', 'g.yaml');
    expect(s.success.get('rcpt')?.lines).toEqual(['fine']);
    expect(s.success.get('data')?.lines).toEqual(['Go ahead {token} - gsmtp']);
    expect(s.server.capabilities).toEqual(['PIPELINING', 'SIZE']);
  });


  it('unknown key, with did-you-mean, at the key', () => {
    const yaml = 'name: t\nrules:\n  - whne: { stage: rcpt }\n    then: accept\n';
    const [p, ...rest] = problems(yaml);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ code: 'MX_UNKNOWN_KEY', file: 'x.yaml', ...position(yaml, 'whne') });
    expect(p!.message).toContain('unknown key "whne" (did you mean "when"?)');
  });

  it('unknown key deep inside, and several at once', () => {
    const yaml = 'server:\n  tls:\n    startls: required\n  hostnme: a\n';
    const ps = problems(yaml);
    expect(ps.map((p) => [p.line, p.column, p.message.match(/did you mean "(\w+)"/)?.[1]])).toEqual([
      [position(yaml, 'hostnme').line, position(yaml, 'hostnme').column, 'hostname'],
      [position(yaml, 'startls').line, position(yaml, 'startls').column, 'starttls'],
    ].sort((a, b) => (a[0] as number) - (b[0] as number)) as unknown[][]);
  });

  it('wrong type, at the value', () => {
    const yaml = 'rules:\n  - when: { stage: rcpt }\n    then: accept\n    times: "two"\n';
    const [p] = problems(yaml);
    expect(p).toMatchObject({ code: 'MX_TYPE', ...position(yaml, '"two"') });
    expect(p!.message).toBe('expected a number; got "two"');
  });

  it('a value not in the allowed set suggests the closest', () => {
    const yaml = 'rules:\n  - when: { stage: rpct }\n    then: accept\n';
    const [p] = problems(yaml);
    expect(p).toMatchObject({ code: 'MX_VALUE', ...position(yaml, 'rpct') });
    expect(p!.message).toMatch(/expected one of connect, helo, .*; got "rpct" \(did you mean "rcpt"\?\)/);
  });

  it('bad regex', () => {
    const yaml = 'rules:\n  - when: { rcpt: "/[a-/" }\n    then: accept\n';
    const [p] = problems(yaml);
    expect(p).toMatchObject({ code: 'MX_VALUE', ...position(yaml, '"/[a-/"') });
    expect(p!.message).toMatch(/^bad regex \/\[a-\//);
  });

  it('unknown reply id, with did-you-mean', () => {
    const yaml = 'rules:\n  - then: { reply: gmail.tls-requird }\n';
    const [p] = problems(yaml);
    expect(p).toMatchObject({ code: 'MX_UNKNOWN_REPLY', ...position(yaml, 'gmail.tls-requird') });
    expect(p!.message).toContain('unknown reply id "gmail.tls-requird" (did you mean "gmail.tls-required"?)');
  });

  it('unknown reply id written as the whole action', () => {
    const yaml = 'rules:\n  - when: { stage: rcpt }\n    then: gmail.user-unknwn\n';
    const [p] = problems(yaml);
    expect(p).toMatchObject({ code: 'MX_UNKNOWN_REPLY', ...position(yaml, 'gmail.user-unknwn') });
  });

  it('malformed replies', () => {
    expect(problems('rules:\n  - then: "550 4.7.1 mixed classes"\n')[0]!.message).toMatch(/another class than reply code 550/);
    expect(problems('rules:\n  - then: "354 2.0.0 no"\n')[0]!.message).toMatch(/carries no enhanced status code/);
    expect(problems('rules:\n  - then: { reply: { code: 700 } }\n')[0]!.code).toBe('MX_VALUE');
    expect(problems('rules:\n  - then: { reply: { code: 550, enhanced: "5.7" } }\n')[0]!.message).toMatch(/looks like "5.7.1"/);
  });

  it('a condition read before its stage knows it', () => {
    const yaml = 'rules:\n  - when: { stage: connect, sender: "a@b" }\n    then: drop\n';
    const [p] = problems(yaml);
    expect(p).toMatchObject({ code: 'MX_STAGE', ...position(yaml, '"a@b"') });
    expect(p!.message).toMatch(/"sender" is not known at stage connect; it is known at: mail, rcpt, data, message/);
  });

  it('discard outside the message stage', () => {
    expect(problems('rules:\n  - when: { stage: rcpt }\n    then: discard\n')[0]!.message).toMatch(/"discard" applies only at stage message/);
  });

  it('a misspelt action keyword', () => {
    expect(problems('rules:\n  - when: { stage: rcpt }\n    then: acept\n')[0]!.message).toMatch(/unknown action "acept" \(did you mean "accept"\?\)/);
  });

  it('an action doing two things', () => {
    expect(problems('rules:\n  - then: { accept: true, drop: true }\n')[0]!.message).toMatch(/an action does one thing; got accept and drop/);
  });

  it('duplicate rule ids', () => {
    const yaml = 'rules:\n  - { id: a, then: accept }\n  - { id: a, then: drop }\n';
    const [p] = problems(yaml);
    expect(p).toMatchObject({ code: 'MX_DUPLICATE', ...position(yaml, 'a', 3) });
  });

  it('YAML syntax errors', () => {
    const [p] = problems('rules:\n  - when: { stage: rcpt\n    then: accept\n');
    expect(p!.code).toBe('MX_YAML');
    expect(p!.line).toBeGreaterThan(1);
  });

  it('every problem in the file is reported, not just the first', () => {
    expect(problems('nme: x\nrules:\n  - whne: {}\n    then: accept\n    times: 0\n').map((p) => p.line)).toEqual([1, 3, 5]);
  });
});

describe('report: thresholds for the report card', () => {
  it('are read as milliseconds, and the scenario that extends wins key by key', () => {
    expect(loadScenarioText('report: { minRetryDelay: 2m, throttleReplies: ["450 4.2.1"] }\n', 'r.yaml').report).toEqual({ minRetryDelayMs: 120_000, throttleReplies: ['450 4.2.1'] });
    expect(loadScenarioText('rules: []\n', 'r.yaml').report).toEqual({});
    const exam = loadScenarioText('extends: exam\nreport: { minReconnectDelay: 5s }\n', 'my-exam.yaml');
    expect(exam.report).toEqual({ minReconnectDelayMs: 5000 });
  });

  it('bad values fail at load, located, with advice', () => {
    const yaml = 'report:\n  minRetryDelay: soon\n  backoffTolerance: 2\n  throttleReplies: ["550 5.1.1"]\n  minRetryDelai: 1m\n';
    const ps = problems(yaml);
    expect(ps.map((p) => [p.code, p.line])).toEqual([
      ['MX_VALUE', 2],
      ['MX_VALUE', 3],
      ['MX_VALUE', 4],
      ['MX_UNKNOWN_KEY', 5],
    ]);
    expect(ps[3]!.message).toContain('did you mean "minRetryDelay"?');
    expect(ps[2]!.message).toContain('write "421" or "421 4.7.28"');
  });
});

describe('extends', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mockmx-scenarios-'));
  writeFileSync(join(dir, 'base.yaml'), 'name: base\nserver: { hostname: base.test, banner: hello, tls: { starttls: required } }\nmailboxes: { "a@x.test": { quota: 1KB } }\nrules:\n  - { id: base-rule, when: { stage: rcpt }, then: "550 5.1.1 from base" }\n');
  writeFileSync(join(dir, 'child.yaml'), 'name: child\nextends: ./base.yaml\nserver: { hostname: child.test, tls: { implicit: true } }\nrules:\n  - { id: child-rule, when: { rcpt: "b@*" }, then: accept }\n');
  writeFileSync(join(dir, 'loop-a.yaml'), 'extends: ./loop-b.yaml\n');
  writeFileSync(join(dir, 'loop-b.yaml'), 'extends: ./loop-a.yaml\n');
  writeFileSync(join(dir, 'missing.yaml'), 'extends: ./nope.yaml\n');

  it('merges settings (child wins) and puts the child’s rules first', () => {
    const s = loadScenario(join(dir, 'child.yaml'));
    expect(s.name).toBe('child');
    expect(s.server).toMatchObject({ hostname: 'child.test', banner: 'hello', tls: { starttls: 'required', implicit: true } });
    expect(s.mailboxes.get('a@x.test')).toMatchObject({ quota: 1024 });
    expect(s.rules.map((r) => r.id)).toEqual(['child-rule', 'base-rule']);
    expect(s.rules[1]!.source.file).toMatch(/base\.yaml$/);
  });

  it('a loop is reported', () => {
    expect(() => loadScenario(join(dir, 'loop-a.yaml'))).toThrow(/extends must not loop/);
  });

  it('a missing parent is reported at the extends key', () => {
    try {
      loadScenario(join(dir, 'missing.yaml'));
      expect.unreachable();
    } catch (err) {
      expect((err as ScenarioError).problems[0]).toMatchObject({ code: 'MX_EXTENDS', line: 1, column: 10 });
    }
  });

  it('a shipped scenario can be extended by name', () => {
    const s = loadScenarioText('extends: default\nrules: [{ id: r, when: { stage: rcpt }, then: drop }]\n', join(dir, 'by-name.yaml'));
    expect(s.server.hostname).toBe('mockmx.test');
  });
});

describe('defaults and shipped scenarios', () => {
  it('fills in server defaults', () => {
    const s = loadScenarioText('{}', 'empty.yaml');
    expect(s.name).toBe('empty');
    expect(s.server).toMatchObject({ greetDelayMs: 0, size: 25 * 1024 * 1024, recipients: 'any', magicRecipients: true, tls: { starttls: 'offered', implicit: false } });
    expect(s.rules).toEqual([]);
  });

  it.each(shippedScenarioNames())('shipped scenario %s loads', (name) => {
    expect(loadScenario(name).name).toBe(name);
  });

  it('an unknown shipped name lists the shipped ones', () => {
    expect(() => loadScenario('gmial')).toThrow(/scenario not found.*shipped scenarios: .*default/);
  });
});

describe('JSON Schema', () => {
  it('the committed schema/scenario.schema.json is the one generated from the zod schema (run npm run schema)', () => {
    const committed = readFileSync(new URL('../../schema/scenario.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(scenarioJsonSchemaText());
  });

  it('is strict and documents the rule language', () => {
    const schema = JSON.parse(scenarioJsonSchemaText());
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.stringify(schema)).toContain('Fire on the first N matches only');
  });
});
