/**
 * The adapter writes each transcript line once, as a record with its fields (src/transcript/
 * record.ts): readers never parse the text. What a live session's records say.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/store/sessions.js';
import { serve } from '../helpers/server.js';
import { Telnet } from '../helpers/telnet.js';

describe('transcript records', () => {
  it('carry stage, verb, code, enhanced code, continuation, recipients, sender, size, message id and note kind', async () => {
    const server = await serve(`
name: records
rules:
  - id: reject-bob
    when: { rcpt: bob@example.test }
    then: { reply: "550 5.1.1 <{rcpt}>: no such user here" }
  - id: slow-noop
    when: { stage: noop }
    then: { delay: 1ms, reply: "250 2.0.0 OK" }
`);
    const started = once(server.events, 'session') as Promise<[SessionRecord]>;
    const ended = once(server.events, 'sessionEnd');
    const t = await Telnet.connect(server.smtp.port);
    const [record] = await started;
    await t.reply();
    await t.cmd('EHLO client.test');
    await t.cmd('MAIL FROM:<alice@client.test>');
    await t.cmd('RCPT TO:<bob@example.test>');
    await t.cmd('RCPT TO:<carol@example.test>');
    await t.cmd('DATA');
    t.write('Subject: hi\r\n\r\nHello.\r\n.\r\n');
    await t.reply();
    await t.cmd('NOOP');
    await t.cmd('QUIT');
    await t.closed;
    await ended;

    const lines = record.transcript;
    const find = (text: string | RegExp) => lines.find((l) => (typeof text === 'string' ? l.text === text : text.test(l.text)))!;
    const [message] = await server.messages.list();
    const rcpts = ['carol@example.test'];
    const sender = 'alice@client.test';

    expect(find('220 mockmx.test ESMTP')).toMatchObject({ session: record.id, direction: 'out', code: 220, stage: undefined, verb: undefined });
    expect(find('EHLO client.test')).toMatchObject({ direction: 'in', stage: 'helo', verb: 'EHLO' });
    const ehlo = lines.filter((l) => l.direction === 'out' && l.verb === 'EHLO');
    expect(ehlo.length).toBeGreaterThan(2);
    expect(ehlo.map((l) => l.more ?? false)).toEqual([...Array(ehlo.length - 1).fill(true), false]);
    expect(find('MAIL FROM:<alice@client.test>')).toMatchObject({ stage: 'mail', verb: 'MAIL', sender });
    expect(find('250 2.1.0 Accepted')).toMatchObject({ code: 250, enhanced: '2.1.0', stage: 'mail', verb: 'MAIL', sender });
    expect(find(/^550 /)).toMatchObject({ code: 550, enhanced: '5.1.1', verb: 'RCPT', stage: 'rcpt', rcpts: ['bob@example.test'], sender, rule: 'reject-bob' });
    expect(find('250 2.1.5 Accepted')).toMatchObject({ verb: 'RCPT', rcpts, sender });
    expect(find(/^354 /)).toMatchObject({ code: 354, enhanced: undefined, verb: 'DATA', stage: 'data', rcpts, sender });
    expect(find(/bytes of message data>$/)).toMatchObject({ direction: 'in', stage: 'message', bytes: message!.size, rcpts, sender, verb: undefined });
    expect(find(/^250 2\.0\.0 OK: queued as /)).toMatchObject({ stage: 'message', rcpts, sender, messageId: message!.id });
    expect(find('delaying 1 ms')).toMatchObject({ direction: 'note', note: 'delay', rule: 'slow-noop' });
    // after the message the transaction is over: no sender any more
    expect(find('NOOP')).toMatchObject({ verb: 'NOOP', stage: 'noop', sender: undefined });
    expect(find('221 2.0.0 Bye')).toMatchObject({ verb: 'QUIT', stage: 'quit', code: 221 });
    // the fields are the record's; what a line shows (JSON, toEqual) is as before records
    expect(Object.keys(find('250 2.1.0 Accepted'))).toEqual(['at', 'direction', 'text']);
  });
});
