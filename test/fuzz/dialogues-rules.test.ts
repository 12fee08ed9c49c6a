/**
 * Generated hostile dialogues against a scenario whose rules answer at every stage the ways
 * mockmx can answer: tarpits (delays that hold the idle timeout off), drops and TCP resets
 * in the middle of a transaction and after the final dot, delayed refusals, custom 2xx
 * replies that still store, multi-line replies, a closing refusal at EHLO, 421 at NOOP,
 * accepted unknown verbs, a reworded replies table, a size limit and a recipient limit.
 * The rules fire on words the generator mixes in (`drop…@`, `tarpit-me` in a body…), so a
 * dialogue behaves the same on every run. Same oracle as for the shipped scenarios, except
 * that a close without a reply is allowed here (it is what drop and reset do), and a message
 * whose dot was answered by nothing must not be in the store.
 */
import { describe, expect, it } from 'vitest';
import { serve } from '../helpers/server.js';
import { captureClientHello, checkedBatch, fuzzSeed } from './harness.js';

const SEED = fuzzSeed(20240904);

const NASTY = `
name: nasty
server:
  size: 300KB
  maxRecipients: 4
  auth:
    mechanisms: [PLAIN, LOGIN, CRAM-MD5, XOAUTH2]
    users:
      - { user: alice, password: secret, token: tok }
replies:
  unknown-command: { code: 500, enhanced: 5.5.1, text: ["What?", "Say that again."] }
  bad-sequence: "503 5.5.1 Not now"
  mail-syntax: "501 5.5.4 Bad MAIL syntax"
rules:
  - { id: tarpit-mail, when: { sender: "tarpit*@*" }, then: { delay: 15ms } }
  - { id: drop-rcpt, when: { stage: rcpt, rcpt: "drop*@*" }, then: drop }
  - { id: reset-rcpt, when: { stage: rcpt, rcpt: "reset*@*" }, then: reset }
  - { id: slow-refusal, when: { stage: rcpt, rcpt: "slow*@*" }, then: { delay: 10ms, reply: "450 4.2.1 Try later" } }
  - { id: multi-line-rcpt, when: { stage: rcpt, rcpt: "multi*@*" }, then: { reply: { code: 250, enhanced: 2.1.5, text: ["OK", "really", "OK"] } } }
  - { id: reset-data, when: { stage: data, rcpt: "rstdata*@*" }, then: reset }
  - { id: drop-message, when: { stage: message, body: "/drop-me/" }, then: { delay: 20ms, drop: true } }
  - { id: refuse-message, when: { stage: message, body: "/refuse-me/" }, then: "554 5.7.1 No thanks" }
  - { id: custom-ok, when: { stage: message, body: "/custom-ok/" }, then: "250 2.0.0 Custom OK, kept" }
  - { id: tarpit-message, when: { stage: message, body: "/tarpit-me/" }, then: { delay: 25ms } }
  - { id: close-helo, when: { helo: "closeme*" }, then: { reply: { code: 554, enhanced: 5.7.1, text: "Go away", close: true } } }
  - { id: noop-421, when: { stage: noop, arg: "/bye/" }, then: "421 4.4.5 Tired" }
  - { id: unknown-ok, when: { stage: unknown, verb: "XYZZY" }, then: accept }
  - { id: vrfy, when: { stage: vrfy }, then: "252 2.1.5 Maybe" }
  - { id: rset-slow, when: { stage: rset }, then: { delay: 5ms } }
`;

const TRIGGERS = {
  locals: ['drop', 'reset', 'slow', 'multi', 'rstdata', 'tarpit'],
  body: ['drop-me', 'refuse-me', 'custom-ok', 'tarpit-me'],
  helo: ['closeme.example'],
  commands: ['NOOP bye', 'XYZZY now', 'RSET', 'VRFY someone'],
};

describe('generated hostile dialogues, a scenario with rules at every stage', () => {
  it(`2 × 200 dialogues (seed ${SEED})`, async () => {
    const server = await serve(NASTY, { maxMessages: 100_000 });
    const hello = await captureClientHello();
    const target = { port: server.smtp.port, hello, allowSilentClose: true };
    let accepted = 0;
    for (let part = 0; part < 2; part++) {
      const stats = await checkedBatch(server, target, SEED, 200, { label: `rules/${part}`, first: part * 1000, auth: true, huge: part === 0, tlsShare: 0.1, triggers: TRIGGERS });
      accepted += stats.accepted;
    }
    expect(accepted).toBeGreaterThan(40);
    // the rules did fire
    const rules = new Set(server.sessions.list().flatMap((s) => s.transcript.flatMap((l) => (l.rule ? [l.rule] : []))));
    expect([...rules].filter((r) => !r.startsWith('replies.')).sort()).toEqual(expect.arrayContaining(['custom-ok', 'drop-rcpt', 'refuse-message', 'reset-rcpt', 'slow-refusal', 'tarpit-mail']));
  });
});
