/**
 * The one runner of the provider tables, in the style of Mailpit's protocol tests. A row is a
 * dialogue with a shipped scenario (by name, or YAML that extends one): steps run in order
 * against a fresh server on 127.0.0.1 port 0, seed 42, on a fake clock that only `clock()` moves.
 *
 *   row('RCPT before MAIL', [connect(), EHLO, cmd('RCPT TO:<bob@example.net>', entry('gmail.mail-first', 'replies.mail-first')), open()])
 *
 * Most steps type SMTP over a raw socket. Rows that need a real client use `send` (nodemailer
 * through a recording relay, or over STARTTLS with a login) or `swaks`; `check` reads the
 * server's state. A failing step is reported with its row, its number, what it sent, the
 * expectation that failed (expected vs got) and the dialogue so far.
 */
import { describe, expect, it } from 'vitest';
import type { MockMxServer, Provider, SessionRecord } from '../../src/index.js';
import { serve } from '../helpers/server.js';
import { Telnet, type WireReply } from '../helpers/telnet.js';
import { expectedBytes } from './layout.js';
import { nodemailerSend, parseReplies, swaks as runSwaks, tap, type MailOptions, type Outcome, type Tap } from './relay.js';

// ---------------------------------------------------------------------------------------------
// expectations

/** What a reply must be: the start of its final line ("250", "550 5.1.1"), or a ReplyExpect. */
export type Expect = string | ReplyExpect;

export interface ReplyExpect {
  /** The start of the final line, e.g. "250" or "550 5.1.1". */
  readonly starts?: string;
  /** The whole reply, CRLFs included: exactly, or matching. */
  readonly raw?: string | RegExp;
  /** The first line exactly (EHLO's greeting line). */
  readonly head?: string;
  /** EHLO: capabilities that must be offered, and ones (or patterns) that must not; `order`: exactly these, in this order. */
  readonly caps?: { readonly has?: readonly string[]; readonly lacks?: readonly (string | RegExp)[]; readonly order?: readonly string[] };
  /** The catalog entry the reply must be, byte for byte in the provider's layout, with values for its placeholders. */
  readonly entry?: string;
  readonly values?: Readonly<Record<string, string>>;
  /** What answered, as the session transcript names it: a rule id, `replies.<event>`, or null for no rule. */
  readonly rule?: string | null;
}

/** Catalog entry `id` byte for byte, answered by `rule` (a rule id, `replies.<event>`, or null). */
export const entry = (id: string, rule: string | null, values?: Record<string, string>): ReplyExpect => ({ entry: id, rule, ...(values ? { values } : {}) });

/** What a `send` must end in: every message accepted, or the last one refused (those before it accepted). */
export type SendExpect =
  | { readonly accepted: true; /** nodemailer's copy of the final reply */ readonly response?: RegExp }
  | { readonly accepted?: undefined; readonly refused: ReplyExpect; /** nodemailer's `command` (e.g. 'DATA', 'MAIL FROM') */ readonly command?: string; /** nodemailer's error code (e.g. 'EAUTH') */ readonly code?: string };

export interface SwaksExpect {
  readonly exit: number;
  /** The first refusal swaks got; every line of it must show in swaks' output as `<** line`. */
  readonly refusal?: ReplyExpect;
  /** The code of the last reply of the session (221: swaks said QUIT and was answered). */
  readonly lastCode?: number;
}

/** A login for `send` over STARTTLS. */
export interface Login {
  readonly user: string;
  readonly pass: string;
}

// ---------------------------------------------------------------------------------------------
// steps

/** What `check` steps see. */
export interface Dialogue {
  readonly server: MockMxServer;
  readonly clock: { now: number };
  /** The current connection's replies so far, greeting first. */
  readonly replies: readonly WireReply[];
}

export type Step =
  | { readonly kind: 'connect'; readonly name: string; readonly expect: Expect }
  | { readonly kind: 'use'; readonly name: string }
  | { readonly kind: 'cmd'; readonly line: string; readonly label?: string; readonly expect: Expect }
  | { readonly kind: 'write'; readonly bytes: string; readonly expects: readonly Expect[] }
  | { readonly kind: 'reply'; readonly expect: Expect }
  | { readonly kind: 'tls'; readonly servername: string }
  | { readonly kind: 'open' }
  | { readonly kind: 'closed' }
  | { readonly kind: 'send'; readonly mails: readonly MailOptions[]; readonly expect: SendExpect; readonly login?: Login }
  | { readonly kind: 'swaks'; readonly args: readonly string[]; readonly expect: SwaksExpect }
  | { readonly kind: 'clock'; readonly ms: number }
  | { readonly kind: 'check'; readonly what: string; readonly fn: (d: Dialogue) => unknown };

/** Opens a connection (the current one from now on) and checks its greeting. */
export const connect = (expect: Expect = '220', name = 'main'): Step => ({ kind: 'connect', name, expect });
/** Makes the connection opened as `name` the current one. */
export const use = (name: string): Step => ({ kind: 'use', name });
/** Sends one command line and checks its reply. */
export const cmd = (line: string, expect: Expect): Step => ({ kind: 'cmd', line, expect });
/** After a 354: sends `message` (CRLF-terminated) and the final dot, and checks the reply. */
export function data(message: string, expect: Expect): Step {
  if (!message.endsWith('\r\n')) throw new Error('data(): the message must end with CRLF');
  return { kind: 'cmd', line: `${message}.`, label: `<message, ${Buffer.byteLength(message)} bytes>.`, expect };
}
/** Writes `bytes` in one go (pipelining) and checks the replies that follow, in order. */
export const write = (bytes: string, ...expects: Expect[]): Step => ({ kind: 'write', bytes, expects });
/** Waits for a reply the client did not ask for (a timeout, a refusal at connect). */
export const reply = (expect: Expect): Step => ({ kind: 'reply', expect });
/** Continues the current connection over TLS (after a 220 to STARTTLS). */
export const tls = (servername: string): Step => ({ kind: 'tls', servername });
/** The connection is still usable: NOOP gets 250. */
export const open = (): Step => ({ kind: 'open' });
/** The server closes the connection, with nothing sent after the last reply. */
export const closed = (): Step => ({ kind: 'closed' });
/** nodemailer sends `mails` (several: over one pooled connection), in plain text or over STARTTLS with `login`. */
export const send = (mails: MailOptions | readonly MailOptions[], expect: SendExpect, login?: Login): Step => ({
  kind: 'send',
  mails: Array.isArray(mails) ? mails : [mails as MailOptions],
  expect,
  ...(login ? { login } : {}),
});
/** swaks with `args` (the runner adds --server, --port and --timeout). */
export const swaks = (args: readonly string[], expect: SwaksExpect): Step => ({ kind: 'swaks', args, expect });
/** Moves the fake clock on. */
export const clock = (ms: number): Step => ({ kind: 'clock', ms });
/** Any other assertion on the server or the replies so far. */
export const check = (what: string, fn: (d: Dialogue) => unknown): Step => ({ kind: 'check', what, fn });
/** The server keeps `n` messages. */
export const stored = (n: number): Step => check(`${n} message(s) stored`, async ({ server }) => expect(await server.messages.count()).toBe(n));

/** `n` steps made by `make(1)` … `make(n)`. */
export const times = (n: number, make: (i: number) => Step | readonly Step[]): Step[] => Array.from({ length: n }, (_, i) => make(i + 1)).flat();

/** The EHLO most raw-socket rows start with. */
export const EHLO = cmd('EHLO client.example.com', '250');

/** In one transaction, `limit` recipients at `domain` are accepted and the next one is refused with `refusal`. */
export const overRecipientLimit = (limit: number, domain: string, refusal: Expect): Step[] => [
  ...times(limit, (i) => cmd(`RCPT TO:<user${i}@${domain}>`, '250')),
  cmd(`RCPT TO:<user${limit + 1}@${domain}>`, refusal),
];

/** With room for one connection (server.maxConnections: 1): a second is refused with `refusal` and closed; the first stays usable. */
export const overConnectionLimit = (refusal: Expect): Step[] => [connect(), connect(refusal, 'second'), closed(), use('main'), open()];

export interface Row {
  readonly name: string;
  /** A shipped scenario by name, or YAML (`extends: <name>` …). Default: the table's provider. */
  readonly scenario?: string;
  readonly steps: readonly Step[];
  /** A behaviour src/ does not have yet: the row's last step must fail (every other step pass); once fixed, the row fails and says so. */
  readonly bug?: string;
}

/** `r`, marked as showing a known bug in src/ (described by `reason`), so the table documents it without going red. */
export const knownBug = (reason: string, r: Row): Row => ({ ...r, bug: reason });

/** A row: its name (what it shows), its steps, and the scenario when it is not the provider's own. */
export const row = (name: string, steps: readonly (Step | readonly Step[])[], scenario?: string): Row => ({
  name,
  steps: steps.flat() as Step[],
  ...(scenario ? { scenario } : {}),
});

// ---------------------------------------------------------------------------------------------
// the runner

/** The fake clock's start: the Date of the tables' messages. */
const T0 = Date.UTC(2024, 4, 14, 9, 30);

/** One `it` per row, under a `describe` named after the scenario family. */
export function runTable(title: string, provider: Provider, rows: readonly Row[]): void {
  const names = rows.map((r) => r.name);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length) throw new Error(`${title}: row names must be unique: ${repeated.join(', ')}`);
  describe(title, () => {
    for (const row of rows) it(row.bug ? `${row.name} [known bug: ${row.bug}]` : row.name, () => runRow(provider, row));
  });
}

interface Connection {
  readonly name: string;
  telnet: Telnet;
  /** The client port: the session record's clientPort (it survives STARTTLS). */
  readonly port: number;
  readonly replies: WireReply[];
}

async function runRow(provider: Provider, row: Row): Promise<void> {
  const clockState = { now: T0 };
  const server = await serve(row.scenario ?? provider, { now: () => clockState.now });
  const run = new Run(provider, server, clockState);
  // a known-bug row must get as far as its last step, and that step must fail
  const last = row.bug ? row.steps.length - 1 : row.steps.length;
  try {
    for (const [i, step] of row.steps.entries()) {
      const where = `row "${row.name}", step ${i + 1} of ${row.steps.length}: ${describeStep(step)}`;
      if (i === last) {
        const failed = await run.step(step).then(() => false, () => true);
        if (!failed) throw annotate(new Error(`the known bug "${row.bug}" looks fixed: the last step passed; drop knownBug() from the row`), where, run.log);
        continue;
      }
      try {
        await run.step(step);
      } catch (err) {
        throw annotate(err, where, run.log);
      }
    }
  } finally {
    await run.cleanUp();
  }
}

class Run implements Dialogue {
  /** The dialogue so far, for failure reports: `<connection> C: …` / `S: …` lines. */
  readonly log: string[] = [];
  private readonly connections = new Map<string, Connection>();
  private current: Connection | undefined;
  private readonly taps: Tap[] = [];

  constructor(
    private readonly provider: Provider,
    readonly server: MockMxServer,
    readonly clock: { now: number },
  ) {}

  get replies(): readonly WireReply[] {
    return this.conn().replies;
  }

  async step(s: Step): Promise<void> {
    switch (s.kind) {
      case 'connect': {
        if (this.connections.has(s.name)) throw new Error(`a connection named ${s.name} is already open`);
        const telnet = await Telnet.connect(this.server.smtp.port);
        this.current = { name: s.name, telnet, port: telnet.socket.localPort!, replies: [] };
        this.connections.set(s.name, this.current);
        return this.expectReply(await this.read(), s.expect, 'as the greeting');
      }
      case 'use':
        this.current = this.connections.get(s.name);
        if (!this.current) throw new Error(`no connection named ${s.name}`);
        return;
      case 'cmd':
        this.send(`${s.line}\r\n`, s.label);
        return this.expectReply(await this.read(), s.expect, `to ${JSON.stringify(short(s.label ?? s.line))}`);
      case 'write':
        this.send(s.bytes);
        for (const [i, e] of s.expects.entries()) this.expectReply(await this.read(), e, `number ${i + 1} to the pipelined write`);
        return;
      case 'reply':
        return this.expectReply(await this.read(), s.expect, 'unasked');
      case 'tls': {
        const c = this.conn();
        c.telnet = await c.telnet.startTls(s.servername);
        this.log.push(`${c.name} -- TLS established (${s.servername})`);
        return;
      }
      case 'open':
        this.send('NOOP\r\n');
        return this.expectReply(await this.read(), '250', 'to NOOP: the connection stays usable');
      case 'closed':
        return this.expectClosed();
      case 'send':
        return this.sendMail(s.mails, s.expect, s.login);
      case 'swaks':
        return this.runSwaks(s.args, s.expect);
      case 'clock':
        this.clock.now += s.ms;
        return;
      case 'check':
        await s.fn(this);
        return;
    }
  }

  async cleanUp(): Promise<void> {
    for (const c of this.connections.values()) c.telnet.close();
    await Promise.all(this.taps.map((t) => t.close()));
  }

  private conn(): Connection {
    if (!this.current) throw new Error('no connection: the row needs a connect() step first');
    return this.current;
  }

  private send(bytes: string, label?: string): void {
    const c = this.conn();
    for (const line of (label ?? bytes).replace(/\r\n$/, '').split('\r\n')) this.log.push(`${c.name} C: ${short(line)}`);
    c.telnet.write(bytes);
  }

  private async read(): Promise<WireReply> {
    const c = this.conn();
    const r = await c.telnet.reply();
    c.replies.push(r);
    for (const line of r.lines) this.log.push(`${c.name} S: ${line}`);
    return r;
  }

  /** Every expectation `e` makes of `reply`; the transcript lookup reads `sessions` (default: the current connection's). */
  private expectReply(reply: WireReply | undefined, e: Expect, what: string, sessions?: () => SessionRecord[]): void {
    const x: ReplyExpect = typeof e === 'string' ? { starts: e } : e;
    expect(reply, `a reply ${what}`).toBeDefined();
    const r = reply!;
    if (x.starts !== undefined) expect(r.lines.at(-1), `the final line of the reply ${what}`).toMatch(new RegExp(`^${escapeRegExp(x.starts)}`));
    if (typeof x.raw === 'string') expect(r.raw, `the reply ${what}`).toBe(x.raw);
    if (x.raw instanceof RegExp) expect(r.raw, `the reply ${what}`).toMatch(x.raw);
    if (x.head !== undefined) expect(r.lines[0], `the first line of the reply ${what}`).toBe(x.head);
    if (x.caps) expectCaps(r, x.caps);
    if (x.entry) expect(r.raw, `the reply ${what}: ${x.entry} byte for byte`).toBe(expectedBytes(this.provider, r.raw, x.entry, x.values));
    if (x.rule !== undefined) {
      const records = sessions ? sessions() : this.server.sessions.list().filter((s) => s.clientPort === this.conn().port);
      expect(ruleOf(records, r), `the rule that answered ${what}, as the transcript names it`).toBe(x.rule);
    }
  }

  private async expectClosed(): Promise<void> {
    const t = this.conn().telnet;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the server did not close the connection within 5 s (pending: ${JSON.stringify(t.pending())})`)), 5000);
    });
    try {
      await Promise.race([t.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
    expect(t.pending(), 'nothing after the last reply').toBe('');
    this.log.push(`${this.conn().name} -- closed by the server`);
  }

  /** A relay to the server, closed with the row. */
  private async relay(): Promise<Tap> {
    const relay = await tap(this.server.smtp.port);
    this.taps.push(relay);
    return relay;
  }

  /** A lookup of the sessions opened from now on (a real client's, whose port the row does not know). */
  private sessionsFromNow(): () => SessionRecord[] {
    const before = new Set(this.server.sessions.list().map((s) => s.id));
    return () => this.server.sessions.list().filter((s) => !before.has(s.id));
  }

  private async sendMail(mails: readonly MailOptions[], e: SendExpect, login?: Login): Promise<void> {
    const sessionsSince = this.sessionsFromNow();
    // over STARTTLS a relay would see only ciphertext: there the reply checked is nodemailer's copy
    const relay = login ? undefined : await this.relay();
    const extra = login ? { ignoreTLS: false, requireTLS: true, tls: { rejectUnauthorized: false }, auth: login } : {};
    const outcomes = await nodemailerSend(relay?.port ?? this.server.smtp.port, mails, extra);
    this.log.push(`nodemailer: ${outcomes.map(describeOutcome).join('; ')}`);
    expect(outcomes.length, 'nodemailer got as far as the last message').toBe(mails.length);
    const accepted = e.accepted ? outcomes : outcomes.slice(0, -1);
    for (const [i, o] of accepted.entries()) {
      expect(o.err, `message ${i + 1} is accepted`).toBeUndefined();
      expect(o.info!.accepted, `message ${i + 1}: nodemailer's accepted recipients`).toEqual(recipientsOf(mails[i]!));
    }
    if (e.accepted) {
      if (e.response) expect(outcomes.at(-1)!.info!.response).toMatch(e.response);
      return;
    }
    const err = outcomes.at(-1)!.err;
    expect(err, `message ${outcomes.length} is refused`).toBeDefined();
    if (e.code !== undefined) expect(err!.code, "nodemailer's error code").toBe(e.code);
    if (e.command !== undefined) expect(err!.command, 'the command nodemailer saw refused').toBe(e.command);
    if (!relay) {
      const lines = err!.response!.split('\n');
      expect(err!.responseCode, "nodemailer's responseCode agrees with its copy of the reply").toBe(Number(lines.at(-1)!.slice(0, 3)));
      this.expectReply({ code: err!.responseCode!, lines, raw: `${lines.join('\r\n')}\r\n` }, e.refused, "(nodemailer's copy)", sessionsSince);
      return;
    }
    const refusal = parseReplies(relay.fromServer()).find((r) => r.code >= 400);
    this.expectReply(refusal, e.refused, 'that refused the message (through the relay)', sessionsSince);
    // nodemailer reports what the server said: the code, and the lines joined with LF
    expect(err!.responseCode, "nodemailer's responseCode").toBe(refusal!.code);
    expect(err!.response, "nodemailer's response").toBe(refusal!.lines.join('\n'));
  }

  private async runSwaks(args: readonly string[], e: SwaksExpect): Promise<void> {
    const sessionsSince = this.sessionsFromNow();
    const relay = await this.relay();
    const r = await runSwaks(['--server', '127.0.0.1', '--port', String(relay.port), '--timeout', '10', ...args]);
    this.log.push(`swaks ${args.join(' ')}: exit ${r.code}`);
    expect(r.code, `swaks' exit code\n${r.stdout}${r.stderr}`).toBe(e.exit);
    const replies = parseReplies(relay.fromServer());
    if (e.refusal) {
      const refusal = replies.find((x) => x.code >= 400);
      this.expectReply(refusal, e.refusal, 'that swaks got refused', sessionsSince);
      for (const line of refusal!.lines) expect(r.stdout, 'swaks shows the lines it received').toContain(`<** ${line}\n`);
    }
    if (e.lastCode !== undefined) expect(replies.at(-1)?.code, 'the last reply of the session').toBe(e.lastCode);
  }
}

// ---------------------------------------------------------------------------------------------
// pieces

function expectCaps(r: WireReply, caps: NonNullable<ReplyExpect['caps']>): void {
  const code = r.lines.at(-1)!.slice(0, 3);
  // a well-formed multi-line reply: every line but the last continues with "-"
  expect(r.lines.slice(0, -1).every((l) => l.startsWith(`${code}-`)), `continuation lines of ${JSON.stringify(r.raw)}`).toBe(true);
  expect(r.lines.at(-1), 'the last line').toMatch(new RegExp(`^${code} `));
  const offered = r.lines.slice(1).map((l) => l.slice(4));
  if (caps.order) expect(offered, 'EHLO capabilities, in order').toEqual(caps.order);
  for (const c of caps.has ?? []) expect(offered, 'EHLO capabilities').toContain(c);
  for (const c of caps.lacks ?? []) {
    if (typeof c === 'string') expect(offered, 'EHLO capabilities').not.toContain(c);
    else expect(offered.filter((o) => c.test(o)), `EHLO capabilities matching ${c}`).toEqual([]);
  }
}

/** The rule the transcript names for the latest line out in `records` equal to the reply's last line; undefined when no such line. */
function ruleOf(records: readonly SessionRecord[], r: WireReply): string | null | undefined {
  const last = r.lines.at(-1);
  for (const record of records) {
    for (let i = record.transcript.length - 1; i >= 0; i--) {
      const line = record.transcript[i]!;
      if (line.direction === 'out' && line.text === last) return line.rule ?? null;
    }
  }
  return undefined;
}

const recipientsOf = (mail: MailOptions): unknown => {
  const to = (mail.envelope as { to?: unknown } | undefined)?.to ?? mail.to;
  return Array.isArray(to) ? to : [to];
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const short = (s: string) => (s.length > 120 ? `${s.slice(0, 100)}… (${s.length} chars)` : s);

function describeStep(s: Step): string {
  switch (s.kind) {
    case 'cmd':
      return `cmd ${JSON.stringify(short(s.label ?? s.line))}`;
    case 'write':
      return `write ${JSON.stringify(short(s.bytes))}`;
    case 'connect':
    case 'use':
      return `${s.kind} ${s.name}`;
    case 'tls':
      return `tls ${s.servername}`;
    case 'send':
      return `send ${s.mails.length} message(s) with nodemailer${s.login ? ` as ${s.login.user} over STARTTLS` : ''}`;
    case 'swaks':
      return `swaks ${s.args.join(' ')}`;
    case 'clock':
      return `clock +${s.ms} ms`;
    case 'check':
      return `check: ${s.what}`;
    default:
      return s.kind;
  }
}

const describeOutcome = (o: Outcome) => (o.err ? `refused (${o.err.command ?? '?'}: ${o.err.responseCode ?? o.err.code})` : 'accepted');

/** Puts where a failure happened, and the dialogue so far (its last 40 lines), around the failure's own message. */
function annotate(err: unknown, where: string, log: readonly string[]): unknown {
  if (!(err instanceof Error)) return err;
  const sofar = log.length > 40 ? ['…', ...log.slice(-40)] : log;
  err.message = `${where}\n${err.message}\ndialogue so far:\n${sofar.map((l) => `  ${l}`).join('\n')}`;
  return err;
}
