/**
 * A private Postfix instance as the sender under test: it accepts mail on its own loopback
 * smtpd and relays everything to `[127.0.0.1]:relayPort` (a mockmx), so tests can watch how a
 * real MTA reacts to mockmx's replies. Settings and pitfalls are the measured ones in
 * /work/shared/research/postfix-as-sender.md. Needs root and Debian's `postfix` package
 * (installed with "No configuration"); the system-wide instance and /etc/postfix are never used.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, chownSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import nodemailer from 'nodemailer';
import { run } from './clients.js';
import { DeliveryLog, readMaildir, type Bounce, type DeliveryLine } from './postfix-log.js';

export type { Bounce, DeliveryLine, DeliveryStatus, DsnRecipient } from './postfix-log.js';

const SBIN = '/usr/sbin';
const bin = (name: 'postfix' | 'postconf' | 'postqueue') => join(SBIN, name);
/** nobody: virtual(8) writes the local Maildir as this uid (Postfix refuses root). */
const MAILBOX_UID = 65534;
/** The local domain: DSNs to senders here land in DIR/mailbox instead of going out. */
export const HARNESS_DOMAIN = 'harness.test';

/** Why Postfix tests cannot run here, or undefined when they can. */
export function postfixMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'a private Postfix instance needs root (its master and virtual(8) change users)';
  for (const name of ['postfix', 'postconf', 'postqueue'] as const) {
    try {
      accessSync(bin(name), constants.X_OK);
    } catch {
      return `${bin(name)} not found: apt-get install postfix (debconf: "No configuration")`;
    }
  }
  return undefined;
}

export const postfixAvailable = (): boolean => postfixMissing() === undefined;

/**
 * Whether Postfix tests should run: true when they can; false (with a message) when they
 * cannot on a developer's machine; throws in CI, where a missing Postfix is a failure.
 * Use as `describe.skipIf(!requirePostfix())(…)`.
 */
export function requirePostfix(): boolean {
  const missing = postfixMissing();
  if (!missing) return true;
  if (process.env['CI'] === 'true') throw new Error(`Postfix sender tests must run in CI: ${missing}`);
  console.warn(`skipping Postfix sender tests: ${missing}`);
  return false;
}

export interface PostfixOptions {
  /** Where mockmx listens on 127.0.0.1; every message is relayed there. */
  readonly relayPort: number;
  /** Parent of the fresh instance directory (default the OS temp dir). Every ancestor must be searchable by others. */
  readonly dir?: string;
  /** Retry timing in seconds (default 1, 4, 1): a deferred message is retried about every second. */
  readonly backoff?: { readonly min: number; readonly max: number; readonly queueRunDelay: number };
  /** maximal_queue_lifetime and bounce_queue_lifetime in seconds (default 3600); 0 expires deferred mail at once. */
  readonly queueLifetime?: number;
  /** smtp_tls_security_level (default `may`: STARTTLS when offered, certificate unchecked). */
  readonly tls?: 'none' | 'may' | 'encrypt';
  /** More main.cf settings, applied last. */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface Submission {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject?: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Pads the body with lines of text until the message is at least this many bytes. */
  readonly size?: number;
}

export interface PostfixSender {
  readonly dir: string;
  readonly hostname: string;
  /** Postfix's own smtpd listener on 127.0.0.1, where `submit` injects mail. */
  readonly submitPort: number;
  readonly relayPort: number;
  /** Hands a message to Postfix over SMTP; the queue id from `250 2.0.0 Ok: queued as ID`, if it said one. */
  submit(message: Submission): Promise<string | undefined>;
  /** Hands many messages to Postfix over a few pooled connections; their queue ids, in order. */
  submitAll(messages: readonly Submission[]): Promise<(string | undefined)[]>;
  /** Every delivery line logged so far. */
  deliveryLines(): DeliveryLine[];
  /** Polls the maillog until `count` delivery lines match (default 1), or throws with the log's tail after timeoutMs. */
  waitForStatus(predicate: (line: DeliveryLine) => boolean, timeoutMs?: number, count?: number): Promise<DeliveryLine[]>;
  /** The DSNs (and anything else) delivered to @harness.test, optionally only those to one address. */
  bounces(deliveredTo?: string): Bounce[];
  /** Polls the local mailbox until `count` messages match, or throws after timeoutMs. */
  waitForBounces(predicate?: (bounce: Bounce) => boolean, timeoutMs?: number, count?: number): Promise<Bounce[]>;
  /** The maillog as written so far. */
  log(): string;
  /** `postqueue -f`: retry deferred mail now instead of after the backoff. */
  flush(): Promise<void>;
  /** Stops the instance, kills what is left of it, removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Sends messages to Postfix's smtpd (one connection, or a pool of eight); the queue id of each, from `250 2.0.0 Ok: queued as ID`. */
async function submitOver(port: number, messages: readonly Submission[], pool: boolean): Promise<(string | undefined)[]> {
  const timeouts = { connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 5000 };
  const common = { host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: `client.${HARNESS_DOMAIN}`, ...timeouts };
  const transport = pool ? nodemailer.createTransport({ ...common, pool: true, maxConnections: 8, maxMessages: Infinity }) : nodemailer.createTransport(common);
  try {
    return await Promise.all(
      messages.map(async (m) => {
        let text = m.body ?? 'Hello from the Postfix harness.\n';
        while (m.size !== undefined && text.length < m.size) text += `${'x'.repeat(76)}\n`;
        const info = await transport.sendMail({ envelope: { from: m.from, to: [...m.to] }, from: m.from, to: [...m.to], subject: m.subject ?? 'harness', text, headers: { ...m.headers } });
        return /queued as (\w+)/.exec(info.response)?.[1];
      }),
    );
  } finally {
    transport.close();
  }
}

/** Stopped on process exit if a test run dies before stop(): the master would outlive it. */
const live = new Map<string, () => number | undefined>();
process.once('exit', () => {
  for (const pid of live.values()) tryKill(pid(), 'SIGTERM');
});

export async function startPostfix(options: PostfixOptions): Promise<PostfixSender> {
  const reason = postfixMissing();
  if (reason) throw new Error(reason);
  const parent = options.dir ?? tmpdir();
  assertSearchable(parent);
  const name = `pf${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(parent, `mockmx-postfix-${name}-`));
  try {
    // mkdtemp makes 0700; the master opens DIR/data/master.lock as user postfix
    chmodSync(dir, 0o755);
    // `postfix -c DIR` chdirs into queue_directory before anything else
    mkdirSync(join(dir, 'queue'), { mode: 0o755 });
    for (const sub of ['', 'new', 'cur', 'tmp']) {
      mkdirSync(join(dir, 'mailbox', sub), { recursive: true, mode: 0o700 });
      chownSync(join(dir, 'mailbox', sub), MAILBOX_UID, MAILBOX_UID);
    }
    const hostname = `${name}.${HARNESS_DOMAIN}`;
    // the free port may be taken between probing and binding: by another program (master then
    // dies with "bind … Address already in use"), or by another instance, which Postfix lets
    // share the port (SO_REUSEPORT): start() checks that its listener is alone
    for (let attempt = 1; ; attempt++) {
      const submitPort = await freePort();
      writeConfig(dir, hostname, submitPort, options);
      if (attempt === 1) await checkConfig(dir);
      const started = await start(dir, submitPort);
      if (started === 'started') return instance(dir, hostname, submitPort, options.relayPort);
      if (started !== 'port taken' || attempt === 3) throw new Error(`postfix -c ${dir} start failed:\n${started}`);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function assertSearchable(parent: string): void {
  for (let d = parent; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) throw new Error(`${d} is not searchable by others; Postfix (user postfix) cannot reach an instance under it: chmod 755 it or pass another dir`);
    if (dirname(d) === d) return;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function writeConfig(dir: string, hostname: string, submitPort: number, o: PostfixOptions): void {
  const backoff = o.backoff ?? { min: 1, max: 4, queueRunDelay: 1 };
  const lifetime = `${o.queueLifetime ?? 3600}s`;
  const main: Record<string, string> = {
    compatibility_level: '3.6',
    // a private instance: nothing under /etc/postfix or /var/spool/postfix
    config_directory: dir,
    queue_directory: `${dir}/queue`,
    data_directory: `${dir}/data`,
    maillog_file: `${dir}/maillog`,
    maillog_file_prefixes: dir,
    myhostname: hostname,
    myorigin: HARNESS_DOMAIN,
    mydestination: '',
    alias_maps: '',
    alias_database: '',
    local_transport: 'error:5.1.1 no local delivery in the mockmx harness',
    // loopback only: one smtpd in master.cf, every message relayed to mockmx
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    mynetworks: '127.0.0.0/8',
    smtpd_relay_restrictions: 'permit_mynetworks, reject',
    relayhost: `[127.0.0.1]:${o.relayPort}`,
    // no DNS anywhere
    smtp_dns_support_level: 'disabled',
    smtp_host_lookup: 'native',
    smtpd_peername_lookup: 'no',
    // retries within seconds, not minutes
    queue_run_delay: `${backoff.queueRunDelay}s`,
    minimal_backoff_time: `${backoff.min}s`,
    maximal_backoff_time: `${backoff.max}s`,
    maximal_queue_lifetime: lifetime,
    bounce_queue_lifetime: lifetime,
    smtp_tls_security_level: o.tls ?? 'may',
    smtp_tls_loglevel: '1',
    // DSNs to senders @harness.test (and double bounces to postmaster) stay in DIR/mailbox;
    // virtual(8) refuses regexp $1 substitution, hence one Maildir for the whole domain
    virtual_mailbox_domains: HARNESS_DOMAIN,
    virtual_mailbox_base: dir,
    virtual_mailbox_maps: 'static:mailbox/',
    virtual_uid_maps: `static:${MAILBOX_UID}`,
    virtual_gid_maps: `static:${MAILBOX_UID}`,
    biff: 'no',
    default_process_limit: '20',
    ...o.settings,
  };
  writeFileSync(join(dir, 'main.cf'), Object.entries(main).map(([k, v]) => `${k} = ${v}\n`).join(''));
  writeFileSync(join(dir, 'master.cf'), masterCf(submitPort));
  // Postfix waits ~2 s for a main.cf modified in the last 2 s to settle; backdating avoids it
  const past = new Date(Date.now() - 5000);
  for (const f of ['main.cf', 'master.cf']) utimesSync(join(dir, f), past, past);
}

/** Debian's services with chroot `n` (a private instance has no jail) and one loopback smtpd. */
function masterCf(submitPort: number): string {
  // service type private unpriv wakeup maxproc command; chroot is always n
  const services = [
    [`127.0.0.1:${submitPort}`, 'inet', 'n', '-', '-', '-', 'smtpd'],
    ['pickup', 'unix', 'n', '-', '60', '1', 'pickup'],
    ['cleanup', 'unix', 'n', '-', '-', '0', 'cleanup'],
    ['qmgr', 'unix', 'n', '-', '300', '1', 'qmgr'],
    ['tlsmgr', 'unix', '-', '-', '1000?', '1', 'tlsmgr'],
    ['rewrite', 'unix', '-', '-', '-', '-', 'trivial-rewrite'],
    ['bounce', 'unix', '-', '-', '-', '0', 'bounce'],
    ['defer', 'unix', '-', '-', '-', '0', 'bounce'],
    ['trace', 'unix', '-', '-', '-', '0', 'bounce'],
    ['verify', 'unix', '-', '-', '-', '1', 'verify'],
    ['flush', 'unix', 'n', '-', '1000?', '0', 'flush'],
    ['proxymap', 'unix', '-', '-', '-', '-', 'proxymap'],
    ['proxywrite', 'unix', '-', '-', '-', '1', 'proxymap'],
    ['smtp', 'unix', '-', '-', '-', '-', 'smtp'],
    ['relay', 'unix', '-', '-', '-', '-', 'smtp'],
    ['showq', 'unix', 'n', '-', '-', '-', 'showq'],
    ['error', 'unix', '-', '-', '-', '-', 'error'],
    ['retry', 'unix', '-', '-', '-', '-', 'error'],
    ['discard', 'unix', '-', '-', '-', '-', 'discard'],
    // privileged (unpriv n): it runs as root to switch to the mailbox owner
    ['virtual', 'unix', '-', 'n', '-', '-', 'virtual'],
    ['anvil', 'unix', '-', '-', '-', '1', 'anvil'],
    ['scache', 'unix', '-', '-', '-', '1', 'scache'],
    // maillog_file is written by postlogd; postfix-script refuses to start without it
    ['postlog', 'unix-dgram', 'n', '-', '-', '1', 'postlogd'],
  ];
  return services.map(([svc, type, priv, unpriv, wakeup, max, cmd]) => `${svc} ${type} ${priv} ${unpriv} n ${wakeup} ${max} ${cmd}\n`).join('');
}

/** `postconf -n` must be silent on stderr: a warning there means a setting is ignored. */
async function checkConfig(dir: string): Promise<void> {
  const r = await run(bin('postconf'), ['-c', dir, '-n'], 10_000);
  if (r.code !== 0 || r.stderr.trim()) throw new Error(`postconf -c ${dir} -n is not clean (exit ${r.code}):\n${r.stderr}`);
}

/** Starts the master; 'started', 'port taken', or the reason with the maillog (postfix-script writes errors there, not to stderr). */
async function start(dir: string, submitPort: number): Promise<string> {
  if (!createQueueDirs(dir)) {
    const create = await run(bin('postfix'), ['-c', dir, 'post-install', 'create-missing'], 15_000);
    if (create.code !== 0) return `post-install create-missing exited ${create.code}\n${create.stderr}`;
  }
  // quick-start skips postfix-script's checks, which warn about queue/ being inside config_directory
  writeFileSync(join(dir, 'queue', 'quick-start'), '');
  const logBefore = readLog(dir).length;
  const r = await run(bin('postfix'), ['-c', dir, 'start'], 15_000);
  // `master -w` returns once the master has bound its listener
  if (r.code === 0 && masterPid(dir) !== undefined) {
    if (listeners(submitPort) === 1) return 'started';
    await stopInstance(dir);
    return 'port taken';
  }
  const log = readLog(dir).slice(logBefore);
  if (/bind 127\.0\.0\.1 port \d+: Address already in use/.test(log)) {
    await stopInstance(dir);
    return 'port taken';
  }
  await stopInstance(dir);
  return `exit ${r.code}\n${r.stderr}\n--- ${dir}/maillog ---\n${log.split('\n').slice(-20).join('\n')}`;
}

/**
 * Creates the queue and data directories as Postfix's own list (META/postfix-files) says:
 * owner, group, mode. `post-install create-missing` does the same but takes ~0.6 s here (it
 * runs postconf dozens of times); this takes milliseconds. False when the list or the
 * postfix/postdrop ids cannot be read: the caller then runs create-missing.
 */
function createQueueDirs(dir: string): boolean {
  const id = (file: string, name: string) => readFileSync(file, 'utf8').match(new RegExp(`^${name}:[^:]*:(\\d+):`, 'm'))?.[1];
  try {
    const uid = id('/etc/passwd', 'postfix');
    const gid = id('/etc/group', 'postdrop');
    const entries = [...readFileSync('/etc/postfix/postfix-files', 'utf8').matchAll(/^\$(queue|data)_directory(\/\w+)?:d:([^:]+):([^:]+):(\d+):/gm)];
    if (uid === undefined || gid === undefined || entries.length < 10) return false;
    // '-' leaves the group alone: root's, as we create them
    const ids: Record<string, number> = { root: 0, '-': 0, $mail_owner: Number(uid), $setgid_group: Number(gid) };
    if (entries.some(([, , , owner, group]) => !(owner! in ids) || !(group! in ids))) return false;
    for (const [, base, sub, owner, group, mode] of entries) {
      const path = join(dir, base === 'queue' ? 'queue' : 'data', sub ?? '');
      mkdirSync(path, { recursive: true });
      chownSync(path, ids[owner!] ?? 0, ids[group!] ?? 0);
      chmodSync(path, parseInt(mode!, 8));
    }
    return true;
  } catch {
    return false;
  }
}

/** Listening TCP sockets on 127.0.0.1:port, from /proc/net/tcp (state 0A is LISTEN). */
function listeners(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .filter((row) => {
      const cols = row.trim().split(/\s+/);
      return cols[1] === local && cols[3] === '0A';
    }).length;
}

const readLog = (dir: string) => (existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : '');

function masterPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'queue', 'pid', 'master.pid'), 'utf8').trim());
    return alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Running and not a zombie: a stopped master lingers as one until PID 1 reaps it. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Processes of this instance: every Postfix daemon chdirs into its queue_directory. */
function instancePids(dir: string): number[] {
  const queue = join(dir, 'queue');
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === queue && alive(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

function tryKill(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Polls `check` every 20 ms until it returns something, or returns undefined at the deadline. */
async function poll<T>(check: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined || Date.now() >= deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `postfix stop` (SIGTERM to the master), then SIGKILL to whatever still runs in the queue dir. */
async function stopInstance(dir: string): Promise<void> {
  const master = masterPid(dir);
  if (master !== undefined) await run(bin('postfix'), ['-c', dir, 'stop'], 10_000).catch(() => undefined);
  if (master !== undefined && (await poll(() => (alive(master) ? undefined : true), 5000)) === undefined) tryKill(master, 'SIGKILL');
  // children notice the master's exit on their own, usually within milliseconds
  if ((await poll(() => (instancePids(dir).length ? undefined : true), 3000)) === undefined) {
    for (const pid of instancePids(dir)) tryKill(pid, 'SIGKILL');
    const gone = await poll(() => (instancePids(dir).length ? undefined : true), 3000);
    if (!gone) throw new Error(`Postfix processes of ${dir} survived SIGKILL: ${instancePids(dir).join(', ')}`);
  }
}

function instance(dir: string, hostname: string, submitPort: number, relayPort: number): PostfixSender {
  const log = new DeliveryLog();
  let offset = 0;
  let partial = '';
  let stopped: Promise<void> | undefined;
  live.set(dir, () => masterPid(dir));

  /** Reads what the maillog gained since last time; only complete lines are parsed. */
  const readNew = (): DeliveryLine[] => {
    let fd: number;
    try {
      fd = openSync(join(dir, 'maillog'), 'r');
    } catch {
      return log.lines;
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (let n; (n = readSync(fd, buf, 0, buf.length, offset)) > 0; offset += n) partial += buf.toString('utf8', 0, n);
    } finally {
      closeSync(fd);
    }
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) log.add(line);
    return log.lines;
  };

  const tail = () => readLog(dir).split('\n').slice(-25).join('\n');
  const bounces = (to?: string) => readMaildir(join(dir, 'mailbox')).filter((b) => to === undefined || b.deliveredTo === to);

  return {
    dir,
    hostname,
    submitPort,
    relayPort,
    async submit(m) {
      return (await submitOver(submitPort, [m], false))[0];
    },
    submitAll: (messages) => submitOver(submitPort, messages, true),
    deliveryLines: () => [...readNew()],
    async waitForStatus(predicate, timeoutMs = 10_000, count = 1) {
      const matching = () => readNew().filter(predicate);
      const found = await poll(() => (matching().length >= count ? matching() : undefined), timeoutMs);
      if (!found) throw new Error(`${count} matching delivery line(s) not logged within ${timeoutMs} ms (${matching().length} were); maillog tail:\n${tail()}`);
      return found;
    },
    bounces,
    async waitForBounces(predicate = () => true, timeoutMs = 10_000, count = 1) {
      const found = await poll(() => {
        const list = bounces().filter(predicate);
        return list.length >= count ? list : undefined;
      }, timeoutMs);
      if (!found) throw new Error(`${count} matching DSN(s) not delivered within ${timeoutMs} ms; maillog tail:\n${tail()}`);
      return found;
    },
    log: () => readLog(dir),
    async flush() {
      const r = await run(bin('postqueue'), ['-c', dir, '-f'], 10_000);
      if (r.code !== 0) throw new Error(`postqueue -c ${dir} -f exited ${r.code}: ${r.stderr}`);
    },
    stop() {
      stopped ??= (async () => {
        try {
          await stopInstance(dir);
        } finally {
          live.delete(dir);
        }
        if (process.env['MOCKMX_KEEP_POSTFIX'] !== '1') rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
