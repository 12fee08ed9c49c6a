/** Rules pushed at run time go in front of the scenario's own and expire after their uses. */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/scenario/errors.js';
import { serve } from '../helpers/server.js';
import { cmd, dialog } from '../helpers/telnet.js';

async function rcptCode(port: number, to: string): Promise<number> {
  const t = await dialog(port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250')]);
  const code = (await t.cmd(`RCPT TO:<${to}>`)).code;
  t.close();
  return code;
}

describe('pushed rules', () => {
  it('"the next 2 attempts to bob get 421 4.7.0, then accept"', async () => {
    const server = await serve('rules:\n  - { id: base, when: { rcpt: "carol@*" }, then: "550 5.1.1 no carol" }\n');
    const [id] = server.addRules({ when: { rcpt: 'bob@*' }, then: '421 4.7.0 Try again later', times: 2 });
    expect(id).toMatch(/^pushed-\d+$/);
    expect([await rcptCode(server.smtp.port, 'bob@x.test'), await rcptCode(server.smtp.port, 'bob@x.test'), await rcptCode(server.smtp.port, 'bob@x.test')]).toEqual([421, 421, 250]);
    // the scenario's own rules still apply
    expect(await rcptCode(server.smtp.port, 'carol@x.test')).toBe(550);
    const transcript = server.sessions.list().flatMap((s) => s.transcript);
    expect(transcript.filter((l) => l.rule === id && l.direction === 'out')).toHaveLength(2);
  });

  it('accepts YAML text, newest first, and can be cleared', async () => {
    const server = await serve();
    server.addRules('- { when: { rcpt: "bob@*" }, then: "450 4.2.1 first" }');
    server.addRules('when: { rcpt: "bob@*" }\nthen: "451 4.3.0 second"\n');
    expect(await rcptCode(server.smtp.port, 'bob@x.test')).toBe(451);
    server.clearRules();
    expect(await rcptCode(server.smtp.port, 'bob@x.test')).toBe(250);
  });

  it('invalid rules are refused whole and change nothing', async () => {
    const server = await serve();
    expect(() => server.addRules({ when: { rcpt: 'bob@*' }, then: 'gmail.tls-requird' } as never)).toThrow(ScenarioError);
    expect(() => server.addRules('when: { rcpt: "bob@*"\nthen: accept')).toThrow(ScenarioError);
    expect(() => server.addRules([{ id: 'x', then: 'accept' }, { id: 'x', then: 'drop' }] as never)).toThrow(/already used|already in use/);
    expect(server.scenario().rules).toHaveLength(0);
    expect(await rcptCode(server.smtp.port, 'bob@x.test')).toBe(250);
  });
  it('problems in pushed YAML text are located in that text, for one rule, a list and a rules document', async () => {
    const server = await serve();
    const problemOf = (text: string) => {
      try {
        server.addRules(text);
      } catch (err) {
        return (err as ScenarioError).problems[0];
      }
      throw new Error('accepted');
    };
    // one rule: line 2, the reply name starts at column 7
    expect(problemOf('when: { rcpt: "bob@*" }\nthen: gmail.tls-requird\n')).toMatchObject({ file: '<pushed rules>', line: 2, column: 7, code: 'MX_UNKNOWN_REPLY' });
    // a list: the second rule's `then` on line 4, column 9
    expect(problemOf('- id: a\n  then: accept\n- id: b\n  then: gmail.tls-requird\n')).toMatchObject({ line: 4, column: 9, code: 'MX_UNKNOWN_REPLY' });
    // a rules document
    expect(problemOf('rules:\n  - when: { rcpt: "x@*" }\n    then: gmail.tls-requird\n')).toMatchObject({ line: 3, column: 11, code: 'MX_UNKNOWN_REPLY' });
    // an unknown key, reported at the key
    expect(problemOf('when: { rcpt: "bob@*" }\nthen: accept\ntimez: 2\n')).toMatchObject({ line: 3, column: 1 });
    expect(server.scenario().rules).toHaveLength(0);
  });
});
