/**
 * A private Exim as a sender that uses BDAT: its smtp transport sends CHUNKING whenever the
 * server offers it (`hosts_try_chunking = *`), which neither nodemailer nor Postfix's client
 * does. Debian's exim4 packages conflict with postfix, so `.ci/unpack-exim` unpacks them under
 * .cache/exim (dpkg -x) and nothing is installed; each instance gets a temporary directory with
 * its own configuration (`-C`), spool and logs, routes every address to mockmx on 127.0.0.1,
 * and blackholes bounces to the harness domain (they are logged, which is what tests read).
 */
import { spawn } from 'node:child_process';
import { accessSync, chmodSync, copyFileSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../.cache/exim/', import.meta.url));
/** The unpacked binary (override with MOCKMX_EXIM for an Exim elsewhere). */
export const EXIM_BIN = process.env['MOCKMX_EXIM'] ?? join(ROOT, 'usr/sbin/exim4');
/** Envelope senders here get their bounces blackholed (and logged). */
export const HARNESS_DOMAIN = 'harness.test';

/** Why Exim tests cannot run here, or undefined when they can. */
export function eximMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'a private Exim needs root here (it delivers as exim_user nobody)';
  try {
    accessSync(EXIM_BIN, constants.X_OK);
  } catch {
    return `${EXIM_BIN} not found: run "bash .ci/unpack-exim" (apt-get download exim4-daemon-light exim4-base exim4-config, then dpkg -x)`;
  }
  return undefined;
}

/** true when Exim tests can run; false (with a warning) when they cannot locally; throws under CI=true, where that is a failure. */
export function requireExim(): boolean {
  const missing = eximMissing();
  if (!missing) return true;
  if (process.env['CI'] === 'true') throw new Error(`Exim BDAT tests must run in CI: ${missing}`);
  console.warn(`skipping Exim tests: ${missing}`);
  return false;
}

/** One line of Exim's mainlog: `<time> <id> <flag> <address> K=V …`. */
export interface EximLogLine {
  readonly id?: string;
  /** `<=` arrival, `=>` delivery, `**` failure (bounced), `==` deferral; absent for other lines. */
  readonly flag?: '<=' | '=>' | '**' | '==';
  readonly address?: string;
  /** Single-letter and named fields (R=router, T=transport, H=host, C=confirmation…). */
  readonly fields: Readonly<Record<string, string>>;
  /** Delivered with CHUNKING: Exim writes a bare `K` on the delivery line. */
  readonly chunking: boolean;
  /** Everything after the address: the error text of `**` and `==` lines. */
  readonly rest: string;
  readonly raw: string;
}

const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (?:(\S+-\S+-\S+) )?(?:(<=|=>|\*\*|==) (\S+) )?(.*)$/;

export function parseEximLog(text: string): EximLogLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((raw) => {
      const m = LINE.exec(raw);
      const rest = m?.[4] ?? raw;
      const fields: Record<string, string> = {};
      for (const f of rest.matchAll(/(?:^| )([A-Za-z]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) fields[f[1]!] = f[2]!.startsWith('"') ? f[2]!.slice(1, -1) : f[2]!;
      return {
        ...(m?.[1] ? { id: m[1] } : {}),
        ...(m?.[2] ? { flag: m[2] as EximLogLine['flag'], address: m[3]! } : {}),
        fields,
        chunking: / K( |$)/.test(` ${rest}`),
        rest,
        raw,
      };
    });
}

export interface Submitted {
  /** Exim's message id, from its `<=` line. */
  readonly id: string;
  /** The log lines about that message (arrival, deliveries, failures, deferrals, its bounce). */
  readonly lines: readonly EximLogLine[];
  /** The bounce Exim generated for it, if any (its `<= <>` line names the message as R=). */
  readonly bounce?: EximLogLine;
}

export interface EximSender {
  readonly dir: string;
  /** Submits `message` from `from` to `to` and delivers it at once (-odi); resolves when Exim is done. */
  send(from: string, to: readonly string[], message: string | Buffer): Promise<Submitted>;
  log(): EximLogLine[];
  stop(): void;
}

/** An Exim whose every delivery goes to 127.0.0.1:`port` by SMTP, with CHUNKING whenever it is offered. */
export function startExim(options: { readonly port: number }): EximSender {
  const dir = mkdtempSync(join(tmpdir(), 'mockmx-exim-'));
  // Exim writes its log and spool partly as exim_user (nobody)
  chmodSync(dir, 0o755);
  for (const sub of ['log', 'spool']) {
    mkdirSync(join(dir, sub));
    chmodSync(join(dir, sub), 0o777);
  }
  // made now, so the delivery processes (nobody) can append to what the receiving one (root) began
  for (const name of ['mainlog', 'paniclog', 'rejectlog']) {
    writeFileSync(join(dir, 'log', name), '');
    chmodSync(join(dir, 'log', name), 0o666);
  }
  // Exim re-executes itself as exim_user (nobody) to deliver: a copy here is reachable by
  // nobody wherever the checkout lives (a CI clone under /root is not)
  const bin = join(dir, 'exim4');
  copyFileSync(EXIM_BIN, bin);
  chmodSync(bin, 0o755);
  const config = join(dir, 'exim.conf');
  writeFileSync(config, eximConfig(dir, bin, options.port), { mode: 0o644 });
  const mainlog = join(dir, 'log', 'mainlog');
  // -C costs Exim its privilege ("exim user lost privilege"): the delivery process then logs
  // to stderr, not to the mainlog the receiving process wrote the arrival to; both are read
  const said: string[] = [];
  const log = () => parseEximLog([existsSync(mainlog) ? readFileSync(mainlog, 'utf8') : '', ...said].join('\n'));
  return {
    dir,
    log,
    async send(from, to, message) {
      const { code, stderr } = await runExim(bin, ['-C', config, '-odi', '-oi', '-f', from, '--', ...to], message);
      said.push(stderr);
      const lines = log();
      const arrival = lines.filter((l) => l.flag === '<=' && l.address === from).at(-1);
      if (!arrival?.id) throw new Error(`exim did not accept the message (exit ${code}): ${stderr}\n${lines.map((l) => l.raw).join('\n')}`);
      const id = arrival.id;
      // the delivery's lines come on this run's stderr, without the message id
      const own = [...lines.filter((l) => l.id === id), ...parseEximLog(stderr)];
      const bounce = own.find((l) => l.flag === '<=' && l.address === '<>');
      return { id, lines: own, ...(bounce ? { bounce } : {}) };
    },
    stop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function runExim(bin: string, args: readonly string[], input: string | Buffer): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    // Exim may exit (refusing the input) before reading it all
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end(input);
  });
}

/**
 * Loopback only, no daemon, no TLS (the tests are about BDAT), retries far off (a deferral is
 * logged, not retried during a test). `exim_path` makes Exim re-exec this binary for delivery,
 * not /usr/sbin/exim4; `exim_user` nobody since Debian-exim does not exist without the package
 * (run as root, `-C` costs Exim its privilege, and it goes on as root: `never_users` is cleared).
 */
function eximConfig(dir: string, bin: string, port: number): string {
  return `exim_path = ${bin}
keep_environment =
primary_hostname = exim.test
qualify_domain = ${HARNESS_DOMAIN}
spool_directory = ${join(dir, 'spool')}
log_file_path = ${join(dir, 'log')}/%slog
exim_user = nobody
exim_group = nogroup
trusted_users = root
never_users =
daemon_smtp_ports = 0
log_selector = +smtp_protocol_error +smtp_syntax_error +received_recipients

begin routers

harness_bounces:
  driver = redirect
  domains = ${HARNESS_DOMAIN}
  data = :blackhole:

to_mockmx:
  driver = manualroute
  transport = to_mockmx
  route_list = * 127.0.0.1
  self = send

begin transports

to_mockmx:
  driver = smtp
  port = ${port}
  allow_localhost
  hosts_try_chunking = *
  hosts_avoid_tls = *

begin retry

* * F,1h,1h
`;
}
