/**
 * The rule explain prints reproduces the bounce: every entry's snippet loads as a scenario, and
 * for each real log line of ./lines.ts the top match's snippet, run over a real socket, answers
 * bob@ with that entry's code and enhanced code at the stage the provider sends it, naming the
 * snippet's rule; its magic recipient does the same with no scenario at all.
 */
import { describe, expect, it } from 'vitest';
import { explain, reproduce } from '../../src/explain/index.js';
import { REGISTRY } from '../../src/providers/index.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { serve } from '../helpers/server.js';
import { cmd, dialog, type WireReply } from '../helpers/telnet.js';
import { LINES } from './lines.js';

describe('the reproducing rule', () => {
  it('loads as a scenario for every catalog entry', () => {
    for (const entry of REGISTRY.entries) {
      const { rule } = reproduce(entry);
      const scenario = loadScenarioText(rule, `${entry.id}.yaml`);
      expect(scenario.rules.map((r) => r.id), entry.id).toEqual([`reproduce-${entry.id.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`]);
    }
  });

  const tops = [...new Set(LINES.map((l) => explain(l.text).matches[0]!.id))];
  for (const id of tops) {
    it(`${id}: the rule and the magic recipient send it again over SMTP`, async () => {
      const entry = REGISTRY.findEntry(id)!;
      const { rule, magicRecipient } = reproduce(entry);
      const expected = `${entry.code} ${entry.enhanced ?? ''}`.trim();
      const server = await serve(rule);
      // an entry of the greeting is the greeting itself
      const t = await dialog(server.smtp.port, entry.stage === 'connect' ? [] : [cmd('EHLO client.example.com', entry.stage === 'helo' ? expected : '250')], entry.stage === 'connect' ? expected : '220');
      let reply: WireReply | undefined;
      if (entry.stage === 'mail') reply = await t.expect('MAIL FROM:<alice@example.com>', expected);
      else if (entry.stage !== 'helo' && entry.stage !== 'connect') {
        await t.expect('MAIL FROM:<alice@example.com>', '250');
        if (entry.stage === 'rcpt') reply = await t.expect('RCPT TO:<bob@example.com>', expected);
        else {
          await t.expect('RCPT TO:<bob@example.com>', '250');
          await t.expect('DATA', '354');
          reply = await t.expect('Subject: hi\r\n\r\nhello\r\n.', expected);
        }
      }
      t.close();
      const said = server.sessions.list().flatMap((s) => s.transcript).filter((l) => l.direction === 'out' && l.text.startsWith(expected));
      expect(said.at(-1)?.rule).toBe(`reproduce-${id.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`);
      if (reply) expect(reply.lines.at(-1)).toMatch(new RegExp(`^${expected.replace(/\./g, '\\.')} `));

      const plain = await serve('default');
      const m = await dialog(plain.smtp.port, [cmd('EHLO client.example.com', '250'), cmd('MAIL FROM:<alice@example.com>', '250')]);
      if (['connect', 'helo', 'mail', 'rcpt'].includes(entry.stage)) await m.expect(`RCPT TO:<${magicRecipient}>`, expected);
      else {
        await m.expect(`RCPT TO:<${magicRecipient}>`, '250');
        await m.expect('DATA', '354');
        await m.expect('Subject: hi\r\n\r\nhello\r\n.', expected);
      }
      m.close();
    });
  }
});
