/**
 * Slowloris against a server with `idleTimeout: 300ms`: clients that stop in the middle of a
 * line, of an envelope or of a message, and clients that trickle one byte per event-loop
 * tick, while 50 ordinary clients deliver meanwhile. The slow ones must be cut off by the idle
 * timeout (421, their sockets closed, the transcript saying so); the ordinary ones must all
 * complete, none starved.
 */
import { describe, expect, it } from 'vitest';
import type { MockMxServer } from '../../src/server/types.js';
import { eventually, serve } from '../helpers/server.js';
import { note, REPLY_TIMEOUT_MS } from '../fuzz/harness.js';
import { brief, dataBytes, Wire, type Reply } from '../fuzz/wire.js';

const IDLE_MS = 300;
const SCENARIO = `name: slowloris\nserver:\n  idleTimeout: ${IDLE_MS}ms\n`;
/** A cut-off slow client must be gone this soon after it started to dawdle. */
const CUT_OFF_WITHIN_MS = 5 * IDLE_MS;
/** How long a trickler keeps trickling if nobody stops it, so the test ends either way. */
const TRICKLE_CAP_MS = 3000;

async function say(wire: Wire, line: string, code: number): Promise<Reply> {
  await wire.write(Buffer.from(`${line}\r\n`));
  const r = await wire.reply(REPLY_TIMEOUT_MS);
  if (r?.code !== code) throw new Error(`${JSON.stringify(line.slice(0, 30))}: expected ${code}, got ${r ? brief(r) : 'a close'}`);
  return r;
}

/** What each kind of slow client has said when it starts to dawdle. */
type Dawdle = 'silent' | 'mid-line' | 'mid-envelope' | 'mid-message' | 'before-the-dot';

async function dawdler(port: number, kind: Dawdle, n: number): Promise<Wire> {
  const wire = await Wire.open(port);
  await wire.reply(REPLY_TIMEOUT_MS);
  if (kind === 'mid-line') await wire.write(Buffer.from('EHLO slow'));
  if (kind === 'mid-envelope' || kind === 'mid-message' || kind === 'before-the-dot') {
    await say(wire, `EHLO slow${n}.example`, 250);
    await say(wire, `MAIL FROM:<slow${n}@slow.example>`, 250);
    if (kind === 'mid-envelope') await wire.write(Buffer.from(`RCPT TO:<victim${n}@exa`));
  }
  if (kind === 'mid-message' || kind === 'before-the-dot') {
    await say(wire, `RCPT TO:<victim${n}@example.org>`, 250);
    await say(wire, 'DATA', 354);
    await wire.write(Buffer.from(kind === 'mid-message' ? 'Subject: slow\r\n\r\nhalf a li' : 'Subject: slow\r\n\r\nall of it\r\n'));
  }
  return wire;
}

/** Writes `unit` over and over, one byte per event-loop turn, until the server closes or the cap. */
async function trickle(wire: Wire, unit: Buffer): Promise<number> {
  const started = Date.now();
  let sent = 0;
  while (!wire.closed && Date.now() - started < TRICKLE_CAP_MS) {
    wire.socket.write(unit.subarray(sent % unit.length, (sent % unit.length) + 1));
    sent++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return sent;
}

/** An ordinary client: a whole session with a message; resolves with how long it took. */
async function ordinary(server: MockMxServer, n: number): Promise<number> {
  const started = Date.now();
  const wire = await Wire.open(server.smtp.port);
  try {
    const greeting = await wire.reply(REPLY_TIMEOUT_MS);
    if (greeting?.code !== 220) throw new Error(`ordinary ${n}: greeting ${greeting ? brief(greeting) : 'none'}`);
    await say(wire, `EHLO ordinary${n}.example`, 250);
    await say(wire, `MAIL FROM:<ordinary${n}@client.example>`, 250);
    await say(wire, `RCPT TO:<someone${n}@example.org>`, 250);
    await say(wire, 'DATA', 354);
    await wire.write(dataBytes(Buffer.from(`Subject: ordinary ${n}\r\n\r\n${'line\r\n'.repeat(20)}`)).wire);
    const done = await wire.reply(REPLY_TIMEOUT_MS);
    if (done?.code !== 250) throw new Error(`ordinary ${n}: message answered ${done ? brief(done) : 'with a close'}`);
    await say(wire, 'QUIT', 221);
    return Date.now() - started;
  } finally {
    wire.destroy();
  }
}

/**
 * 50 ordinary clients, each running whole sessions back to back until `busy()` turns false
 * (at most `max` each); resolves with every session's duration.
 */
async function ordinaryMeanwhile(server: MockMxServer, busy: () => boolean, max: number): Promise<number[]> {
  const durations: number[] = [];
  await Promise.all(
    Array.from({ length: 50 }, async (_, client) => {
      for (let n = 0; n < max && (n === 0 || busy()); n++) durations.push(await ordinary(server, client * 1000 + n));
    }),
  );
  return durations;
}

/** The transcript of the session on the server side of `wire`. */
function transcriptOf(server: MockMxServer, wire: Wire): string[] {
  const port = wire.localPort;
  const session = server.sessions.list().find((s) => s.clientPort === port);
  return session ? session.transcript.map((l) => `${l.direction} ${l.text}`) : [];
}

/** The slow client was cut off by the idle timeout: a 421 timeout, a close, and the transcript records it. */
async function expectCutOff(server: MockMxServer, wire: Wire, what: string, since: number): Promise<void> {
  const closed = await wire.waitClosed(Math.max(0, since + CUT_OFF_WITHIN_MS - Date.now()));
  expect(closed, `${what}: still connected ${Date.now() - since} ms after it started to dawdle`).toBe(true);
  const replies: Reply[] = [];
  for (let r = wire.take(); r; r = wire.take()) replies.push(r);
  expect(replies.at(-1)?.raw ?? wire.unparsed(), `${what}: its last reply`).toMatch(/^421[ -].*Timeout/);
  const transcript = await eventually(() => {
    const lines = transcriptOf(server, wire);
    return lines.some((l) => /^out 421 .*Timeout/.test(l)) ? lines : undefined;
  }, 2000).catch(() => transcriptOf(server, wire));
  expect(transcript.some((l) => /^out 421 .*Timeout/.test(l)), `${what}: transcript ${JSON.stringify(transcript.slice(-4))}`).toBe(true);
}

describe('slowloris against idleTimeout: 300ms', () => {
  it('50 clients that stop mid-line, mid-envelope or mid-message are cut off, while 50 ordinary clients deliver', async () => {
    const server = await serve(SCENARIO, { maxMessages: 10_000 });
    const kinds: Dawdle[] = ['silent', 'mid-line', 'mid-envelope', 'mid-message', 'before-the-dot'];
    const slow = await Promise.all(Array.from({ length: 50 }, (_, i) => dawdler(server.smtp.port, kinds[i % kinds.length]!, i)));
    const ready = Date.now();
    const ordinaryMs = await ordinaryMeanwhile(server, () => slow.some((w) => !w.closed), 20);
    await Promise.all(slow.map((wire, i) => expectCutOff(server, wire, `slow client ${i} (${kinds[i % kinds.length]})`, ready)));
    const cutAfter = Date.now() - ready;
    expect(await server.messages.count()).toBe(ordinaryMs.length);
    expect(Math.max(...ordinaryMs), 'slowest ordinary session (ms)').toBeLessThan(2000);
    expect(server.errors).toEqual([]);
    note(`stalled clients all cut off within ${cutAfter} ms; meanwhile ${ordinaryMs.length} ordinary sessions, the slowest ${Math.max(...ordinaryMs)} ms`);
  });

  // Fails until fixed: socket inactivity is the only idle timeout, and every byte resets it.
  it('50 clients that trickle one byte per event-loop tick are cut off, while 50 ordinary clients deliver', async () => {
    const server = await serve(SCENARIO, { maxMessages: 10_000 });
    const tricklers = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        // half trickle a command line that never ends, half a message that never ends
        const wire = await dawdler(server.smtp.port, i % 2 ? 'mid-message' : 'mid-line', i);
        return { wire, unit: Buffer.from(i % 2 ? 'slow message text ' : 'x'), what: `trickler ${i} (${i % 2 ? 'in DATA' : 'in a command line'})` };
      }),
    );
    const started = Date.now();
    const trickling = tricklers.map(({ wire, unit }) => trickle(wire, unit));
    const ordinaryMs = await ordinaryMeanwhile(server, () => tricklers.some(({ wire }) => !wire.closed), 10);
    const sent = await Promise.all(trickling);
    const elapsed = Date.now() - started;
    note(
      `tricklers: ${tricklers.filter(({ wire }) => wire.closed).length} of 50 cut off within ${elapsed} ms, ${Math.min(...sent)}–${Math.max(...sent)} bytes each; ` +
        `meanwhile ${ordinaryMs.length} ordinary sessions, the slowest ${Math.max(...ordinaryMs)} ms`,
    );
    // nobody starved
    expect(await server.messages.count()).toBe(ordinaryMs.length);
    expect(Math.max(...ordinaryMs), 'slowest ordinary session (ms)').toBeLessThan(2000);
    expect(server.errors).toEqual([]);
    // and the tricklers were cut off by the idle timeout
    const notCut = tricklers.flatMap(({ wire, what }, i) => (wire.closed ? [] : [`${what}: ${sent[i]} bytes over ${TRICKLE_CAP_MS} ms, never idle ${IDLE_MS} ms, and still connected`]));
    expect(notCut).toEqual([]);
    for (const { wire, what } of tricklers) await expectCutOff(server, wire, what, started);
  });
});
