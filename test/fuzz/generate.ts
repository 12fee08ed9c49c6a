/**
 * Seeded generators of hostile SMTP dialogues. A dialogue is a list of writes (each one
 * socket write, or a few small ones), an optional point where the client vanishes, and for
 * STARTTLS writes what the client does after the 220. Every choice comes from
 * `streamFor(seed, index)`, so a failing dialogue is rebuilt from its seed and index alone.
 */
import { streamFor } from '../../src/engine/random.js';
import { dataBytes } from './wire.js';

export class Rng {
  constructor(readonly next: () => number) {}

  static for(seed: number, index: number): Rng {
    return new Rng(streamFor(seed, index));
  }

  /** 0 ≤ n < max */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  /** min ≤ n ≤ max */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** Mostly small, sometimes large: log-uniform in [min, max]. */
  size(min: number, max: number): number {
    return Math.floor(Math.exp(Math.log(min) + this.next() * (Math.log(max) - Math.log(min))));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Picks by weight: `[[weight, value], …]`. */
  weighted<T>(table: readonly (readonly [number, T])[]): T {
    const total = table.reduce((s, [w]) => s + w, 0);
    let x = this.next() * total;
    for (const [w, v] of table) {
      x -= w;
      if (x < 0) return v;
    }
    return table[table.length - 1]![1];
  }

  bytes(length: number, keep: (b: number) => boolean = () => true): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; ) {
      const b = this.int(256);
      if (keep(b)) out[i++] = b;
    }
    return out;
  }

  word(min = 1, max = 10, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
    let s = '';
    for (let n = this.range(min, max); n > 0; n--) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

export type TlsPlan = 'handshake' | 'abort-now' | 'abort-partial-hello' | 'abort-junk' | 'abort-after-server-hello';

export interface Step {
  readonly bytes: Buffer;
  /** What the write is, for the failure report. */
  readonly label: string;
  /** Written in pieces of at most this many bytes, one event-loop turn apart. */
  readonly fragment?: number;
  /** For a STARTTLS write: what the client does once it is answered 220. */
  readonly tls?: TlsPlan;
}

/** Where the client vanishes: `at` bytes into step `step`. */
export interface Cut {
  readonly step: number;
  readonly at: number;
  readonly how: 'destroy' | 'end' | 'reset';
}

export interface Dialogue {
  readonly seed: number;
  readonly index: number;
  readonly steps: Step[];
  readonly cut?: Cut;
  /** Implicit TLS from the first byte (on the SMTPS port), and how the handshake goes. */
  readonly implicitTls?: TlsPlan;
}

export interface GenerateOptions {
  /** The gmail scenario: one recipient domain per transaction and headers Gmail accepts, more often. */
  readonly gmail?: boolean;
  /** Offer AUTH exchanges (the default scenario; gmail does not offer AUTH). */
  readonly auth?: boolean;
  /** Share of dialogues that start with STARTTLS / on the SMTPS port. */
  readonly tlsShare?: number;
  readonly implicitTlsShare?: number;
  /** Allow the rare 20 KB–1 MB command line and 1 MB message line. */
  readonly huge?: boolean;
  /**
   * Words that trigger a scenario's rules, mixed in now and then: address local parts
   * (`drop…@`), body lines, HELO names and commands.
   */
  readonly triggers?: { readonly locals?: readonly string[]; readonly body?: readonly string[]; readonly helo?: readonly string[]; readonly commands?: readonly string[] };
}

/** The triggers of the dialogue being generated (the vocabulary functions read them). */
let triggers: GenerateOptions['triggers'] = {};

const te = (s: string) => Buffer.from(s, 'utf8');
const latin = (s: string) => Buffer.from(s, 'latin1');

// ── vocabulary ────────────────────────────────────────────────────────────────────────────────

const UNICODE = ['ü', 'é', 'ß', '漢字', 'Ω', '😀', '\u200b', '\u2060', '\ufeff', '\u202e', 'Ａ', 'ǅ', '\ud7ff'];

function goodDomain(r: Rng): string {
  return `${r.word(1, 12)}.${r.pick(['example', 'test', 'example.org', 'co.uk', 'invalid'])}`;
}

function goodAddress(r: Rng, domain = goodDomain(r)): string {
  let local = r.chance(0.8) ? r.word(1, 12) : `${r.word(1, 5)}${r.pick(['.', '+', '-', '_'])}${r.word(1, 5)}`;
  if (triggers?.locals?.length && r.chance(0.15)) local = `${r.pick(triggers.locals)}${r.word(1, 4)}`;
  return `${r.chance(0.1) ? local.toUpperCase() : local}@${domain}`;
}

function badAddress(r: Rng): string {
  return r.pick([
    'no-at-sign',
    '@no-local.example',
    'no-domain@',
    'a@b@c.example',
    '.lead@x.example',
    'trail.@x.example',
    'dots..in@x.example',
    'x@[300.1.1.1]',
    'x@[IPv6:zz::1]',
    'x@[127.0.0.1]',
    'x@[IPv6:::1]',
    'x@-lead.example',
    'x@trail-.example',
    'x@dom..example',
    'x@xn--zz-xxx.example',
    `${'l'.repeat(70)}@x.example`,
    `x@${'d'.repeat(260)}.example`,
    `${r.pick(UNICODE)}@x.example`,
    `x@${r.pick(UNICODE)}.example`,
    'a\0b@x.example',
    'a\x7fb@x.example',
    'a\x85b@x.example',
    'a b@x.example',
    '"quoted local"@x.example',
    '"a\\"b"@x.example',
    '@route.example,@r2.example:a@x.example',
    '@route.example:',
    'postmaster',
    'Postmaster',
    '',
    '<nested@x.example>',
    'x@x.example>',
    latin('\xff\xfe@x.example').toString('latin1'),
    r.bytes(r.range(1, 30), (b) => b !== 0x0a && b !== 0x0d && b !== 0x3e).toString('latin1'),
  ]);
}

function sizeValue(r: Rng): string {
  return r.pick([
    '0',
    '1',
    '1000',
    '26214400',
    '26214401',
    '2147483648',
    '9007199254740993',
    '99999999999999999999',
    '999999999999999999999999999999999999',
    `1${'0'.repeat(r.range(20, 400))}`,
    '-1',
    '1e9',
    '0x10',
    '١٢٣',
    '',
    ' ',
    'Infinity',
    'NaN',
  ]);
}

function mailParams(r: Rng): string {
  const params: string[] = [];
  for (let n = r.weighted([
    [6, 0],
    [3, 1],
    [1, r.range(2, 6)],
  ]); n > 0; n--) {
    params.push(
      r.pick([
        `SIZE=${sizeValue(r)}`,
        'BODY=8BITMIME',
        'BODY=7BIT',
        'BODY=BINARYMIME',
        `BODY=${r.word()}`,
        'SMTPUTF8',
        'SMTPUTF8=yes',
        'RET=FULL',
        'RET=HDRS',
        `RET=${r.word()}`,
        `ENVID=${r.word()}+0D+0A${r.word()}`,
        `ENVID=${r.word()}+00`,
        'AUTH=<>',
        `AUTH=${goodAddress(r)}`,
        'REQUIRETLS',
        'MT-PRIORITY=3',
        `${'X'.repeat(r.range(1, 300))}=y`,
        '=x',
        '==',
        'SIZE',
        'SIZE=1 SIZE=2',
        `ÜBER=${r.pick(UNICODE)}`,
        `X-${r.word()}=${r.bytes(r.range(1, 10), (b) => b > 0x20 && b !== 0x3d).toString('latin1')}`,
      ]),
    );
  }
  return params.length ? ` ${params.join(' ')}` : '';
}

function rcptParams(r: Rng): string {
  if (r.chance(0.7)) return '';
  return ` ${r.pick([
    'NOTIFY=SUCCESS,FAILURE',
    'NOTIFY=NEVER',
    'NOTIFY=NEVER,DELAY',
    `NOTIFY=${r.word()}`,
    'NOTIFY',
    'ORCPT=rfc822;a@x.example',
    `ORCPT=${r.word()}`,
    'ORCPT=rfc822;a+2Bb@x.example NOTIFY=DELAY',
    `${r.word()}=${r.word()}`,
    'NOTIFY=SUCCESS NOTIFY=FAILURE',
  ])}`;
}

function hostname(r: Rng): string {
  if (triggers?.helo?.length && r.chance(0.2)) return r.pick(triggers.helo);
  return r.pick([
    'client.example',
    'localhost',
    '[127.0.0.1]',
    '[IPv6:::1]',
    '[999.1.1.1]',
    '',
    'a',
    `${'x'.repeat(r.range(64, 400))}.example`,
    `${r.pick(UNICODE)}.example`,
    'bad_host!',
    '-lead.example',
    'trail-.example',
    'a..b',
    '127.0.0.1',
    'two words',
    goodDomain(r),
    r.bytes(r.range(1, 20), (b) => b !== 0x0a && b !== 0x0d).toString('latin1'),
  ]);
}

const VERBS = ['NOOP', 'RSET', 'VRFY', 'EXPN', 'HELP', 'TURN', 'ETRN', 'ATRN', 'XCLIENT', 'XFORWARD', 'WIZ', 'SHELL', 'KILL', 'BDAT', 'SEND', 'SOML', 'SAML', 'VERB', 'ONEX', 'DEBUG', 'X-LINK2STATE', 'XEXCH50', 'LHLO'];

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function authBlob(r: Rng): string {
  return r.pick([
    b64(`\0${r.word()}\0${r.word()}`),
    b64(`${r.word()}\0${r.word()}\0${r.word()}`),
    b64(`user=${r.word()}\x01auth=Bearer ${r.word(10, 40)}\x01\x01`),
    b64(r.word()),
    '!!!notbase64!!!',
    '=',
    '====',
    '*',
    '',
    'AAAA====AAAA',
    `${b64(r.word())}%%%`,
    r.pick(UNICODE),
    'A'.repeat(r.range(1, 9000)),
    r.bytes(r.range(1, 100), (b) => b !== 0x0a && b !== 0x0d).toString('latin1'),
    b64(r.bytes(r.range(1, 200)).toString('latin1')),
  ]);
}

/** One command line (without its line ending). */
function commandLine(r: Rng, options: GenerateOptions): string {
  if (triggers?.commands?.length && r.chance(0.1)) return r.pick(triggers.commands);
  return r.weighted<() => string>([
    [6, () => `${r.pick(['EHLO', 'HELO', 'ehlo', 'LHLO', 'EHLO '])} ${hostname(r)}`],
    [3, () => r.pick(['EHLO', 'HELO', 'EHLO ', 'HELO a b'])],
    [10, () => `${r.pick(['MAIL FROM:', 'MAIL FROM: ', 'mail from:', 'MAIL  FROM:', 'MAIL FROM:', 'MAIL FROM:'])}<${r.chance(0.5) ? goodAddress(r) : badAddress(r)}>${mailParams(r)}`],
    [3, () => r.pick(['MAIL', 'MAIL FROM:', 'MAIL FROM:<>', `MAIL FROM:${goodAddress(r)}`, `MAIL TO:<${goodAddress(r)}>`, `MAIL FROM<${goodAddress(r)}>`, `MAIL FROM:<${goodAddress(r)}`])],
    [10, () => `${r.pick(['RCPT TO:', 'RCPT TO: ', 'rcpt to:', 'RCPT TO:'])}<${r.chance(0.5) ? goodAddress(r) : badAddress(r)}>${rcptParams(r)}`],
    [3, () => r.pick(['RCPT', 'RCPT TO:', 'RCPT TO:<>', `RCPT TO:${goodAddress(r)}`, `RCPT FROM:<${goodAddress(r)}>`])],
    [4, () => r.pick(['DATA', 'data', 'DATA x', 'DATA\t'])],
    [3, () => `BDAT ${r.pick(['0', '10', '10 LAST', '99999999999999999999 LAST', '-1', '', 'x', '1 LAST LAST'])}`],
    [4, () => r.pick(['RSET', 'NOOP', 'NOOP hello', 'VRFY postmaster', `VRFY ${r.word()}`, 'EXPN list', 'HELP', 'HELP DATA', 'QUIT now'])],
    [2, () => `${r.pick(VERBS)}${r.chance(0.5) ? ` ${r.word()}` : ''}`],
    [options.auth ? 6 : 2, () => `AUTH ${r.pick(['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'GSSAPI', 'NTLM', 'plain', r.word()])}${r.chance(0.6) ? ` ${authBlob(r)}` : ''}${r.chance(0.1) ? ' extra args' : ''}`],
    [2, () => r.pick(['STARTTLS x', 'STARTTLS  ', 'starttls please'])],
    [2, () => r.word(1, 12, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')],
    [1, () => r.pick(['GET / HTTP/1.1', 'POST /smtp HTTP/1.0', 'CONNECT / HTTP/1.1'])],
    [2, () => ''],
    [1, () => ` ${r.pick(['NOOP', 'RSET'])}`],
    [1, () => `NOOP\t${r.word()}`],
    [3, () => r.bytes(r.range(1, 200), (b) => b !== 0x0a).toString('latin1')],
    [2, () => `${r.pick(['NOOP ', 'EHLO ', 'MAIL FROM:<', 'VRFY '])}${r.pick(UNICODE).repeat(r.range(1, 50))}`],
    [1, () => `NOOP ${r.bytes(r.range(1, 40), (b) => b !== 0x0a).toString('latin1')}\0`],
  ])();
}

function lineEnd(r: Rng): string {
  return r.weighted([
    [85, '\r\n'],
    [10, '\n'],
    [3, '\r\r\n'],
    [2, '\n\r\n'],
  ]);
}

// ── messages ──────────────────────────────────────────────────────────────────────────────────

/** A message body as the client means it (before dot-stuffing). */
export function messageBody(r: Rng, seed: number, index: number, options: GenerateOptions & { rcpt?: string; from?: string } = {}): Buffer {
  const kind = r.weighted([
    [options.gmail ? 70 : 45, 'mail'],
    [25, 'bytes'],
    [8, 'dots'],
    [4, 'empty'],
    [3, 'smuggle'],
  ] as const);
  if (kind === 'empty') return Buffer.alloc(0);
  if (kind === 'bytes') return r.bytes(r.size(1, 4000));
  if (kind === 'dots') {
    // runs of dots, CR and LF in every order: the dot-stuffing and end-of-data edge cases
    const alphabet = ['.', '.', '..', '\r\n', '\r\n', '\n', '\r', 'a', '\r\n.', '.\r\n', '\n.', '\r\n..\r\n'];
    let s = '';
    for (let n = r.range(1, 60); n > 0; n--) s += r.pick(alphabet);
    return latin(s);
  }
  if (kind === 'smuggle') {
    // commands hidden behind line ends that are not CRLF.CRLF: all of it is message content
    const tricks = ['\n.\n', '\r\n.\n', '\n.\r\n', '\r.\r\n', '\r\n.\r', '\n..\n'];
    return latin(`Subject: smuggle\r\n\r\nhello${r.pick(tricks)}MAIL FROM:<evil@x.example>\r\nRCPT TO:<victim@x.example>\r\nDATA\r\nsmuggled${r.pick(tricks)}QUIT\r\n`);
  }
  const n = r.int(1e9);
  const from = options.from ?? goodAddress(r);
  const headers = [
    `From: ${r.chance(0.9) ? from : r.pick(['', '<>', 'a@[1.2.3.4]', `${from}, ${goodAddress(r)}`, `${r.pick(UNICODE)} <${from}>`])}`,
    `To: ${options.rcpt ?? goodAddress(r)}`,
    `Subject: ${r.chance(0.7) ? `fuzz ${seed}/${index}/${n}` : `=?utf-8?B?${b64(r.pick(UNICODE))}?= ${r.pick(UNICODE)}`}`,
    `Date: ${new Date(Date.UTC(2024, 0, 1 + (n % 365))).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <fuzz.${seed}.${index}.${n}@client.example>`,
  ];
  if (r.chance(0.3)) headers.push('MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"');
  if (r.chance(0.1)) headers.push(`X-Long: ${'v'.repeat(r.size(100, 20000))}`);
  if (r.chance(0.05)) headers.push(`X-Folded: a\r\n ${'w '.repeat(r.range(10, 500))}`);
  if (r.chance(0.05)) headers.push(headers[r.int(headers.length)]!);
  if (!options.gmail && r.chance(0.1)) headers.splice(r.int(headers.length), 1);
  const multipart = headers.some((h) => h.includes('multipart'));
  const lines: string[] = [];
  for (let count = r.size(1, 200); count > 0; count--) {
    lines.push(
      r.weighted<() => string>([
        [30, () => `${r.word(0, 12)} ${r.word(0, 12)} ${r.word(0, 12)}`],
        [6, () => '.'],
        [4, () => '..'],
        [4, () => `.${r.word()}`],
        [6, () => ''],
        [4, () => r.pick(UNICODE).repeat(r.range(1, 20))],
        [2, () => `nul\0in\0line`],
        [2, () => `lone\rcr`],
        [2, () => `bare lf\nnext`],
        [2, () => r.pick(['QUIT', 'MAIL FROM:<x@y.example>', 'RSET', 'DATA'])],
        [1, () => 'x'.repeat(r.size(1000, 60000))],
        [options.huge ? 0.15 : 0, () => 'y'.repeat(1024 * 1024)],
        [2, () => r.bytes(r.range(1, 80), (b) => b !== 0x0a && b !== 0x0d).toString('latin1')],
        [triggers?.body?.length ? 1 : 0, () => r.pick(triggers!.body!)],
      ])(),
    );
  }
  const body = multipart
    ? `--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${lines.join('\r\n')}\r\n--b1\r\nContent-Type: application/octet-stream; name="a.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${r.bytes(r.range(0, 300)).toString('base64')}\r\n--b1--`
    : lines.join('\r\n');
  const text = `${headers.join('\r\n')}\r\n\r\n${body}${r.chance(0.8) ? '\r\n' : ''}`;
  return Buffer.from(text, r.chance(0.9) ? 'utf8' : 'latin1');
}

// ── dialogues ─────────────────────────────────────────────────────────────────────────────────

function line(r: Rng, text: string): Buffer {
  return latin(`${text}${lineEnd(r)}`);
}

function utf8Line(r: Rng, text: string): Buffer {
  return Buffer.concat([te(text), latin(lineEnd(r))]);
}

/** A whole transaction a client would send: sometimes step by step, sometimes pipelined. */
function transaction(r: Rng, seed: number, index: number, options: GenerateOptions): Step[] {
  const domain = goodDomain(r);
  const from = r.chance(0.05) ? '' : goodAddress(r);
  const rcpts = Array.from({ length: r.weighted([
    [8, 1],
    [2, r.range(2, 4)],
  ]) }, () => goodAddress(r, options.gmail || r.chance(0.5) ? domain : goodDomain(r)));
  const body = messageBody(r, seed, index, { ...options, rcpt: rcpts[0]!, from: from || goodAddress(r) });
  const { wire } = dataBytes(body);
  const commands = [`MAIL FROM:<${from}>${r.chance(0.2) ? r.pick([' BODY=8BITMIME', ' SMTPUTF8', ` SIZE=${body.length}`, ' SIZE=0']) : ''}`, ...rcpts.map((a) => `RCPT TO:<${a}>`), 'DATA'];
  const style = r.weighted([
    [4, 'sequential'],
    [3, 'pipelined'],
    [2, 'fragmented'],
  ] as const);
  if (style === 'pipelined') {
    return [{ bytes: Buffer.concat([...commands.map((c) => latin(`${c}\r\n`)), wire]), label: 'pipelined transaction' }];
  }
  const steps: Step[] = commands.map((c) => ({ bytes: latin(`${c}\r\n`), label: 'command' }));
  steps.push({ bytes: wire, label: 'message', ...(style === 'fragmented' ? { fragment: r.pick([1, 2, 3, 5, 7, 64, 1000]) } : {}) });
  return steps;
}

/** Something hostile: junk, odd commands, long lines, AUTH blobs, bursts. */
function hostile(r: Rng, seed: number, index: number, options: GenerateOptions): Step[] {
  return r.weighted<() => Step[]>([
    [10, () => [{ bytes: line(r, commandLine(r, options)), label: 'command' }]],
    [2, () => [{ bytes: utf8Line(r, `${r.pick(['NOOP', 'VRFY', 'HELP', 'MAIL FROM:<', 'EHLO'])} ${r.pick(UNICODE).repeat(r.range(1, 100))}`), label: 'unicode command' }]],
    [
      5,
      () => {
        // a pipelining burst: many commands in one write
        const n = r.weighted([
          [8, r.range(2, 12)],
          [2, r.range(13, 60)],
          [1, r.range(100, 200)],
        ]);
        const parts: Buffer[] = [];
        for (let i = 0; i < n; i++) parts.push(r.chance(0.1) ? dataBytes(messageBody(r, seed, index, options)).wire : line(r, commandLine(r, options)));
        return [{ bytes: Buffer.concat(parts), label: `burst of ${n}` }];
      },
    ],
    [
      3,
      () => {
        // random bytes 0–255 with line breaks in them
        const junk = r.bytes(r.size(1, 3000));
        return [{ bytes: junk, label: 'junk bytes', ...(r.chance(0.3) ? { fragment: r.range(1, 50) } : {}) }];
      },
    ],
    [
      2,
      () => {
        // a long command line: mostly under the limit, rarely far over it
        const huge = options.huge && r.chance(0.12);
        const length = huge ? r.size(20 * 1024, 1024 * 1024) : r.size(1000, 15000);
        const verb = r.pick(['NOOP ', 'MAIL FROM:<', 'RCPT TO:<', 'EHLO ', 'AUTH PLAIN ', 'XYZZY ', '']);
        return [{ bytes: latin(`${verb}${'z'.repeat(length)}${r.chance(0.8) ? '\r\n' : ''}`), label: `long line ${length}` }];
      },
    ],
    [
      options.auth ? 4 : 1,
      () => {
        // an AUTH exchange whose continuation lines are whatever
        const steps: Step[] = [{ bytes: line(r, `AUTH ${r.pick(['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'])}${r.chance(0.3) ? ` ${authBlob(r)}` : ''}`), label: 'auth' }];
        for (let n = r.range(0, 3); n > 0; n--) steps.push({ bytes: line(r, authBlob(r)), label: 'auth continuation' });
        return steps;
      },
    ],
    [
      2,
      () => {
        // BDAT with its chunk: octets where the scenario advertises CHUNKING (gmail), else read as commands
        const chunk = r.bytes(r.range(0, 100));
        return [{ bytes: Buffer.concat([latin(`BDAT ${chunk.length}${r.chance(0.5) ? ' LAST' : ''}\r\n`), chunk]), label: 'bdat' }];
      },
    ],
    [2, () => [{ bytes: dataBytes(messageBody(r, seed, index, options)).wire, label: 'message out of place' }]],
  ])();
}

function tlsPlan(r: Rng): TlsPlan {
  return r.weighted<TlsPlan>([
    [4, 'handshake'],
    [2, 'abort-now'],
    [2, 'abort-partial-hello'],
    [2, 'abort-junk'],
    [2, 'abort-after-server-hello'],
  ]);
}

export function generateDialogue(seed: number, index: number, options: GenerateOptions = {}): Dialogue {
  const r = Rng.for(seed, index);
  triggers = options.triggers ?? {};
  const steps: Step[] = [];
  const implicitTls = r.chance(options.implicitTlsShare ?? 0) ? tlsPlan(r) : undefined;
  if (r.chance(0.8)) steps.push({ bytes: line(r, `${r.pick(['EHLO', 'EHLO', 'HELO'])} ${r.chance(0.9) ? 'client.example' : hostname(r)}`), label: 'greeting' });
  if (!implicitTls && r.chance(options.tlsShare ?? 0)) {
    steps.push({ bytes: latin('STARTTLS\r\n'), label: 'starttls', tls: tlsPlan(r) });
    steps.push({ bytes: latin('EHLO client.example\r\n'), label: 'greeting after TLS' });
  }
  for (let episodes = r.range(1, 5); episodes > 0; episodes--) {
    if (r.chance(0.45)) steps.push(...transaction(r, seed, index, options));
    else steps.push(...hostile(r, seed, index, options));
    if (r.chance(0.05)) steps.push({ bytes: latin('STARTTLS\r\n'), label: 'starttls', tls: tlsPlan(r) });
  }
  if (r.chance(0.6)) steps.push({ bytes: line(r, r.pick(['QUIT', 'QUIT', 'quit'])), label: 'quit' });
  let cut: Cut | undefined;
  if (r.chance(0.3)) {
    const step = r.int(steps.length);
    const bytes = steps[step]!.bytes;
    // mid-command, mid-message, or right before the final dot
    const beforeDot = bytes.length >= 3 && bytes.subarray(-3).toString('latin1') === '.\r\n' && r.chance(0.3);
    cut = { step, at: beforeDot ? bytes.length - 3 : r.int(bytes.length + 1), how: r.weighted([
      [6, 'destroy'],
      [2, 'end'],
      [2, 'reset'],
    ] as const) };
  }
  return { seed, index, steps, ...(cut ? { cut } : {}), ...(implicitTls ? { implicitTls } : {}) };
}
