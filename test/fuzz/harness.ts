/**
 * Runs generated dialogues against a live server, many at a time, and holds the server to
 * what the clients saw: every reply answers something that was written, nothing hangs, every
 * message answered 250 after its final dot is stored exactly once with those bytes and that
 * envelope, nothing else is stored, and a normal session still works afterwards.
 */
import { createServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { MockMxServer } from '../../src/server/types.js';
import type { StoredMessage } from '../../src/store/types.js';
import { storedFor } from '../helpers/stored.js';
import { generateDialogue, Rng, type Dialogue, type GenerateOptions, type TlsPlan } from './generate.js';
import { brief, show, Wire, WireModel, type Reply, type SentMessage } from './wire.js';

/** How long any single reply, close or handshake may take before it counts as a hang. */
export const REPLY_TIMEOUT_MS = 5000;

/** Counts and timings of a run, printed with FUZZ_VERBOSE=1 (failures always say everything). */
export function note(text: string): void {
  if (process.env['FUZZ_VERBOSE']) console.log(text);
}

export type Server = MockMxServer & { errors: unknown[] };

export interface Outcome {
  readonly dialogue: Dialogue;
  readonly model: WireModel;
  readonly problems: string[];
  /** Messages whose final dot went out but whose reply the client never read. */
  readonly unanswered: SentMessage[];
  /** TLS handshakes this dialogue abandoned on purpose. */
  tlsAborts: number;
}

export interface Target {
  readonly port: number;
  readonly smtpsPort?: number;
  /** A real TLS ClientHello, for handshakes abandoned after the server's first flight. */
  readonly hello: Buffer;
  /** The scenario drops or resets connections on purpose: a close without a reply is no fault. */
  readonly allowSilentClose?: boolean;
  /** The scenario advertises CHUNKING (BDAT chunks are octets, not lines). */
  readonly chunking?: boolean;
}

/** The seed a test runs with; FUZZ_SEED=n replays another. */
export function fuzzSeed(fallback: number): number {
  const env = process.env['FUZZ_SEED'];
  return env && /^\d+$/.test(env) ? Number(env) : fallback;
}

// ── TLS pieces ────────────────────────────────────────────────────────────────────────────────

/** The first flight of a real TLS client, caught by a plain TCP listener. */
export async function captureClientHello(): Promise<Buffer> {
  const catcher = createServer();
  const caught = new Promise<Buffer>((resolve) =>
    catcher.once('connection', (s) =>
      s.once('data', (chunk: Buffer) => {
        resolve(chunk);
        s.destroy();
      }),
    ),
  );
  await new Promise<void>((resolve) => catcher.listen(0, '127.0.0.1', resolve));
  const { port } = catcher.address() as AddressInfo;
  const client = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  client.on('error', () => undefined);
  try {
    return await caught;
  } finally {
    client.destroy();
    await new Promise<void>((resolve) => catcher.close(() => resolve()));
  }
}

/** A TLS record header and the start of a ClientHello that claims 512 bytes and stops. */
function partialClientHello(r: Rng): Buffer {
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), r.bytes(r.range(0, 40))]);
}

function waitFor(socket: Socket, event: 'data' | 'close', timeoutMs: number): Promise<boolean> {
  if (event === 'close' && socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), timeoutMs);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.off(event, onEvent);
      socket.off('close', onClose);
      resolve(ok);
    };
    const onEvent = () => finish(true);
    const onClose = () => finish(true);
    socket.once(event, onEvent);
    socket.once('close', onClose);
  });
}

/** Abandons a TLS handshake the way `plan` says, on a socket where one is due to start. */
async function abortHandshake(socket: Socket, plan: TlsPlan, r: Rng, hello: Buffer, problems: string[]): Promise<void> {
  switch (plan) {
    case 'abort-partial-hello':
      socket.write(partialClientHello(r));
      break;
    case 'abort-junk': {
      // plain text where a ClientHello belongs: the server must give up and close by itself
      socket.write(Buffer.concat([Buffer.from('EHLO this is not TLS\r\n'), r.bytes(r.range(1, 600))]));
      if (!(await waitFor(socket, 'close', REPLY_TIMEOUT_MS))) problems.push('the server kept a connection open after plain text in place of a ClientHello');
      break;
    }
    case 'abort-after-server-hello':
      socket.write(hello);
      if (!(await waitFor(socket, 'data', REPLY_TIMEOUT_MS))) problems.push('no answer to a real ClientHello');
      break;
    default:
      break;
  }
  socket.destroy();
}

// ── one dialogue ──────────────────────────────────────────────────────────────────────────────

/**
 * Writes a step; a fragmented one in pieces of 1…`fragment` bytes, one event-loop turn apart
 * (for a long one, only its first and last KB: that is where DATA starts and ends).
 */
async function writeStep(wire: Wire, bytes: Buffer, fragment: number | undefined, r: Rng): Promise<void> {
  if (!fragment) return wire.write(bytes);
  const edge = 1024;
  for (let at = 0; at < bytes.length && !wire.closed; ) {
    const middle = at >= edge && at < bytes.length - edge;
    const n = middle ? bytes.length - edge - at : Math.min(bytes.length - at, r.range(1, fragment));
    await wire.write(bytes.subarray(at, at + n));
    at += n;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function runDialogue(target: Target, dialogue: Dialogue): Promise<Outcome> {
  const model = new WireModel(target.chunking);
  const outcome: Outcome = { dialogue, model, problems: [], unanswered: [], tlsAborts: 0 };
  const { problems } = outcome;
  // a stream of its own for choices made while running (fragment sizes, abort bytes)
  const r = Rng.for(dialogue.seed ^ 0x7f4a7c15, dialogue.index);
  let last: Reply | undefined;
  /** The client left with replies owed: what it sent last may or may not have been stored. */
  let clientLeft = false;

  if (dialogue.implicitTls && dialogue.implicitTls !== 'handshake') {
    const socket = netConnect({ port: target.smtpsPort!, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      socket.once('connect', () => resolve());
      socket.once('close', () => resolve());
    });
    model.note(`implicit TLS, ${dialogue.implicitTls}`);
    await abortHandshake(socket, dialogue.implicitTls, r, target.hello, problems);
    outcome.tlsAborts++;
    return outcome;
  }

  let wire: Wire;
  try {
    wire = await Wire.open(dialogue.implicitTls ? target.smtpsPort! : target.port, !!dialogue.implicitTls);
  } catch (err) {
    problems.push(`could not connect: ${(err as Error).message}`);
    return outcome;
  }

  /** Reads the reply to everything written so far that owes one. */
  const drain = async (): Promise<boolean> => {
    while (model.waiting()) {
      let reply: Reply | undefined;
      try {
        reply = await wire.reply(REPLY_TIMEOUT_MS);
      } catch (err) {
        problems.push(`hang: ${(err as Error).message}`);
        clientLeft = true;
        return false;
      }
      if (!reply) {
        // closing after a refusal is the server's right; closing after a 2xx/3xx, or in silence, is not
        if ((!last || last.code < 400) && !target.allowSilentClose) problems.push(`the server closed the connection without a word (last reply ${last ? brief(last) : 'none'})`);
        model.note('server closed the connection');
        return false;
      }
      last = reply;
      const mismatch = model.onReply(reply);
      if (mismatch) {
        problems.push(mismatch);
        return false;
      }
    }
    // a whole reply already here that nothing asked for (a second answer to one command)
    const extra = wire.take();
    if (extra) {
      problems.push(`${model.onReply(extra) ?? 'a reply nothing asked for'}: ${brief(extra)}`);
      return false;
    }
    return true;
  };

  try {
    const greeting = await wire.reply(REPLY_TIMEOUT_MS);
    if (!greeting) {
      problems.push('closed before the greeting');
      return outcome;
    }
    model.note(`greeting ${brief(greeting)}`);
    last = greeting;
    if (greeting.code !== 220) {
      problems.push(`greeting ${brief(greeting)}`);
      wire.destroy();
      return outcome;
    }
    if (dialogue.implicitTls) model.secured();

    for (let i = 0; i < dialogue.steps.length; i++) {
      const step = dialogue.steps[i]!;
      const cut = dialogue.cut?.step === i ? dialogue.cut : undefined;
      if (cut) {
        const partial = step.bytes.subarray(0, cut.at);
        model.feed(partial);
        model.note(`client leaves: ${cut.how} after ${cut.at} of ${step.bytes.length} bytes of ${step.label}`);
        clientLeft = true;
        await writeStep(wire, partial, step.fragment, r);
        if (cut.how === 'end') {
          model.endOfInput();
          wire.socket.end();
          // whatever the server still answers, until it closes
          for (;;) {
            const reply = await wire.reply(REPLY_TIMEOUT_MS).catch((err: Error) => {
              problems.push(`hang after the client half-closed: ${err.message}`);
              return undefined;
            });
            if (!reply) break;
            model.onReply(reply);
          }
        } else if (cut.how === 'reset' && !('encrypted' in wire.socket) && !wire.closed) {
          wire.socket.resetAndDestroy();
        } else {
          wire.destroy();
        }
        break;
      }
      model.feed(step.bytes);
      await writeStep(wire, step.bytes, step.fragment, r);
      if (!(await drain())) break;
      if (model.mode === 'tls') {
        const plan = step.tls ?? 'abort-now';
        if (model.tlsTrailing) {
          model.note('STARTTLS answered 220 with bytes pipelined behind it: leaving');
          clientLeft = true;
          wire.destroy();
          break;
        }
        if (plan === 'handshake') {
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([
              wire.upgrade(),
              new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no TLS handshake within ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS))),
            ]);
            clearTimeout(timer);
            model.secured();
            continue;
          } catch (err) {
            clearTimeout(timer);
            problems.push(`STARTTLS handshake failed: ${(err as Error).message}`);
            wire.destroy();
            break;
          }
        }
        model.note(`TLS ${plan}`);
        await abortHandshake(wire.socket, plan, r, target.hello, problems);
        outcome.tlsAborts++;
        break;
      }
      if (model.mode === 'closed' || wire.closed) break;
    }

    if (model.mode === 'closed' && !dialogue.cut) {
      if (!(await wire.waitClosed(REPLY_TIMEOUT_MS))) problems.push(`the server did not close the connection after ${last ? brief(last) : 'its last reply'}`);
      const extra = wire.take();
      if (extra) problems.push(`a reply after the session ended: ${brief(extra)}`);
    }
  } finally {
    wire.destroy();
  }
  // only where the client walked away: a server that closes without answering a message must not have kept it
  if (clientLeft) outcome.unanswered.push(...model.unanswered());
  return outcome;
}

// ── many dialogues ────────────────────────────────────────────────────────────────────────────

/** Runs `count` generated dialogues, `concurrency` at a time. */
export async function runBatch(
  target: Target,
  seed: number,
  count: number,
  options: GenerateOptions,
  concurrency = 20,
  first = 0,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = first;
  const worker = async () => {
    while (next < first + count) {
      const dialogue = generateDialogue(seed, next++, options);
      outcomes.push(await runDialogue(target, dialogue));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes.sort((a, b) => a.dialogue.index - b.dialogue.index);
}

function sameEnvelope(expected: SentMessage['envelope'], stored: StoredMessage): string | undefined {
  if (expected.mailFrom !== null && expected.mailFrom !== stored.envelope.mailFrom) return `MAIL FROM ${JSON.stringify(stored.envelope.mailFrom)}, the client said ${JSON.stringify(expected.mailFrom)}`;
  if (expected.rcptTo !== null && JSON.stringify(expected.rcptTo) !== JSON.stringify(stored.envelope.rcptTo)) return `RCPT TO ${JSON.stringify(stored.envelope.rcptTo)}, the client said ${JSON.stringify(expected.rcptTo)}`;
  return undefined;
}

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/**
 * The store against what the clients saw: each 250 after a final dot is one stored message
 * with exactly the bytes sent (dot-unstuffed) and the envelope given; every other stored
 * message is one the client sent but left before reading its reply. Returns problems, each
 * with the dialogue it came from.
 */
export async function verifyStore(server: MockMxServer, outcomes: readonly Outcome[], before: ReadonlySet<string> = new Set()): Promise<{ problems: string[]; known: string[] }> {
  const problems: string[] = [];
  /** Stored as smtp-server 3.21.6 reads "\n.." at the start of DATA: kept apart, see regressions.test.ts. */
  const known: string[] = [];
  const stored = (await server.messages.list()).filter((m) => !before.has(m.id));
  const remaining = new Map(stored.map((m) => [m.id, m]));
  const seen = new Set<string>();
  const where = (o: Outcome) => `seed ${o.dialogue.seed} dialogue ${o.dialogue.index}`;
  for (const o of outcomes) {
    for (const sent of o.model.messages) {
      const code = sent.reply?.code ?? 0;
      if (code < 200 || code >= 300) continue;
      let m: StoredMessage | undefined;
      if (sent.id) {
        if (seen.has(sent.id)) problems.push(`${where(o)}: message id ${sent.id} given to two messages`);
        seen.add(sent.id);
        m = remaining.get(sent.id);
      } else {
        m = [...remaining.values()].find((s) => (s.raw.equals(sent.raw) || sent.quirk?.equals(s.raw)) && !sameEnvelope(sent.envelope, s));
      }
      if (!m) {
        problems.push(`${where(o)}: LOST — answered ${brief(sent.reply!)} but not in the store (${sent.raw.length} bytes, ${show(sent.raw, 80)})`);
        continue;
      }
      remaining.delete(m.id);
      if (!m.raw.equals(sent.raw) && sent.quirk?.equals(m.raw)) {
        known.push(`${where(o)}: ${m.id} stored with its escape dot after a leading bare LF (${show(m.raw, 20)})`);
      } else if (!m.raw.equals(sent.raw)) {
        const at = firstDifference(m.raw, sent.raw);
        problems.push(
          `${where(o)}: CORRUPTED ${m.id} — stored ${m.raw.length} bytes, sent ${sent.raw.length}; first difference at byte ${at}: stored ${show(m.raw.subarray(Math.max(0, at - 20), at + 40))}, sent ${show(sent.raw.subarray(Math.max(0, at - 20), at + 40))}`,
        );
      }
      const envelope = sameEnvelope(sent.envelope, m);
      if (envelope) problems.push(`${where(o)}: WRONG ENVELOPE ${m.id} — ${envelope}`);
    }
  }
  if (remaining.size) {
    const candidates = outcomes.flatMap((o) => o.unanswered.map((u) => ({ o, u })));
    for (const m of remaining.values()) {
      const at = candidates.findIndex(({ u }) => (u.raw.equals(m.raw) || u.quirk?.equals(m.raw)) && !sameEnvelope(u.envelope, m));
      if (at >= 0) candidates.splice(at, 1);
      else problems.push(`PHANTOM ${m.id} — stored, but no client was told 250 for it and none left before its reply (${m.raw.length} bytes, ${show(m.raw, 80)}, envelope ${JSON.stringify(m.envelope)})`);
    }
  }
  return { problems, known };
}

/** One failing dialogue, told so it can be replayed: seed, index, what was written and read. */
export function report(o: Outcome, problems: readonly string[] = o.problems): string {
  const d = o.dialogue;
  const steps = d.steps.map((s, i) => `  ${i}: ${s.label}${s.fragment ? ` (in pieces ≤ ${s.fragment})` : ''}${s.tls ? ` then ${s.tls}` : ''}: ${show(s.bytes, 120)}`).join('\n');
  const log = o.model.log.slice(-60).map((l) => `  ${l.length > 300 ? `${l.slice(0, 300)}…` : l}`).join('\n');
  return [
    `seed ${d.seed} dialogue ${d.index}${d.implicitTls ? ` (implicit TLS: ${d.implicitTls})` : ''}${d.cut ? ` (cut: ${JSON.stringify(d.cut)})` : ''}: ${problems.join('; ')}`,
    ` replay: FUZZ_SEED=${d.seed} npx vitest run test/fuzz (this dialogue alone: generateDialogue(${d.seed}, ${d.index}, options) from test/fuzz/generate.ts)`,
    ' steps:',
    steps,
    ' wire (last 60 entries):',
    log,
  ].join('\n');
}

/** Throws with every problem found, each dialogue reported in full (the first few). */
export function assertClean(outcomes: readonly Outcome[], storeProblems: readonly string[] = []): void {
  const failing = outcomes.filter((o) => o.problems.length);
  if (!failing.length && !storeProblems.length) return;
  const parts = [
    `${failing.length} of ${outcomes.length} dialogues failed, ${storeProblems.length} store problems (seed ${outcomes[0]?.dialogue.seed})`,
    ...storeProblems.slice(0, 10),
    ...failing.slice(0, 5).map((o) => report(o)),
  ];
  throw new Error(parts.join('\n\n'));
}

// ── the proof after each batch ────────────────────────────────────────────────────────────────

/** Throws unless `r` is there and its last line starts with `code`. */
function expectCode(r: Reply | undefined, code: number, what: string): Reply {
  if (!r) throw new Error(`normal session: closed before the reply to ${what}`);
  if (r.code !== code) throw new Error(`normal session: ${what} answered ${brief(r)}, expected ${code}`);
  return r;
}

/** A whole ordinary session on a new connection, and its message stored exactly as sent. */
export async function normalSession(server: MockMxServer, label: string, port = server.smtp.port, secure = false): Promise<void> {
  const wire = await Wire.open(port, secure);
  try {
    const id = `${label.replace(/[^A-Za-z0-9]+/g, '-')}.${Date.now()}.${Math.floor(Math.random() * 1e9)}`;
    const message = Buffer.from(
      [
        'From: Sender <sender@client.example>',
        'To: someone@example.org',
        `Subject: still here (${label})`,
        'Date: Mon, 1 Jan 2024 00:00:00 +0000',
        `Message-ID: <${id}@client.example>`,
        '',
        'The server still works.',
        '',
      ].join('\r\n'),
    );
    expectCode(await wire.reply(REPLY_TIMEOUT_MS), 220, 'the greeting');
    const say = async (line: string, code: number) => {
      await wire.write(Buffer.from(`${line}\r\n`));
      return expectCode(await wire.reply(REPLY_TIMEOUT_MS), code, JSON.stringify(line.slice(0, 40)));
    };
    await say('EHLO client.example', 250);
    await say('MAIL FROM:<sender@client.example>', 250);
    await say(`RCPT TO:<someone.${id.replace(/[^a-z0-9]/gi, '')}@example.org>`, 250);
    await say('DATA', 354);
    const done = await say(`${message.toString()}.`, 250);
    const stored = await storedFor(server, done.lines.at(-1) ?? '', message);
    if (!stored?.raw.equals(message)) throw new Error(`normal session: the message answered ${brief(done)} is not stored (once) as sent`);
    await say('QUIT', 221);
    if (!(await wire.waitClosed(REPLY_TIMEOUT_MS))) throw new Error('normal session: not closed after QUIT');
  } finally {
    wire.destroy();
  }
}

/**
 * Errors the server reported. A botched TLS handshake is the client's fault; if such are
 * reported at all they must be TLS errors, and no more than the handshakes abandoned.
 */
export function unexpectedErrors(errors: readonly unknown[], tlsAborts: number): string[] {
  type E = Error & { code?: string };
  const tls = errors.filter((e) => /^(ERR_SSL_|ERR_TLS_|TLSError)/.test((e as E).code ?? ''));
  const other = errors.filter((e) => !tls.includes(e));
  const out = other.map((e) => `reported error: ${(e as E).code ?? ''} ${(e as Error)?.stack ?? String(e)}`);
  if (tls.length > tlsAborts) out.push(`${tls.length} TLS errors reported for ${tlsAborts} abandoned handshakes: ${tls.map((e) => `${(e as E).code}: ${(e as Error).message}`).join(' | ')}`);
  return out;
}

// ── a batch, checked ──────────────────────────────────────────────────────────────────────────

export interface BatchStats {
  readonly dialogues: number;
  readonly accepted: number;
  readonly refused: number;
  readonly tlsAborts: number;
  readonly cuts: number;
  readonly known: string[];
  readonly ms: number;
}

/**
 * Runs a batch and checks everything after it: no dialogue failed, the store matches what the
 * clients were told, a normal session works (on `healthPort` too, if given: the SMTPS port),
 * and no unexpected error was reported. `beforeHealth` runs before the normal session (the
 * gmail scenario's rate limits are reset there: the batch fills them on purpose).
 */
export async function checkedBatch(
  server: Server,
  target: Target,
  seed: number,
  count: number,
  options: GenerateOptions & { first?: number; label: string; beforeHealth?: () => void; healthSecurePort?: number },
): Promise<BatchStats> {
  const started = Date.now();
  const before = new Set((await server.messages.list()).map((m) => m.id));
  const outcomes = await runBatch(target, seed, count, options, 20, options.first ?? 0);
  const { problems, known } = await verifyStore(server, outcomes, before);
  assertClean(outcomes, problems);
  options.beforeHealth?.();
  await normalSession(server, options.label);
  if (options.healthSecurePort) await normalSession(server, `${options.label}-tls`, options.healthSecurePort, true);
  const tlsAborts = outcomes.reduce((n, o) => n + o.tlsAborts, 0);
  const errors = unexpectedErrors(server.errors, tlsAborts);
  if (errors.length) throw new Error(`seed ${seed}, ${options.label}: the server reported errors:\n${errors.join('\n')}`);
  const codes = outcomes.flatMap((o) => o.model.messages.map((m) => m.reply?.code ?? 0));
  const stats: BatchStats = {
    dialogues: count,
    accepted: codes.filter((c) => c >= 200 && c < 300).length,
    refused: codes.filter((c) => c >= 400).length,
    tlsAborts,
    cuts: outcomes.filter((o) => o.dialogue.cut).length,
    known,
    ms: Date.now() - started,
  };
  note(
    `${options.label}: seed ${seed}, ${stats.dialogues} dialogues (${stats.cuts} cut short, ${stats.tlsAborts} TLS handshakes abandoned), ` +
      `${stats.accepted} messages accepted and verified, ${stats.refused} refused, ${known.length} stored with the known "\\n.." bug, ${stats.ms} ms`,
  );
  return stats;
}
