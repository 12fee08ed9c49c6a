#!/usr/bin/env node
// npm run bench [-- options]: mockmx against peer sinks, side by side, on 127.0.0.1 only.
// See bench/README.md. Plain ESM JavaScript (Node 20 cannot run TypeScript); it starts the
// built CLI (dist/src/cli.js) as a child process, exactly as a user would.
//
// Every process it starts is recorded by PID and stopped by that PID (SIGTERM, then SIGKILL);
// every wait has a timeout; its temp directory is removed on exit.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const HOST = '127.0.0.1'; // loopback only: never change
const SMTP_SOURCE = '/usr/sbin/smtp-source';
const SMTP_SINK = '/usr/sbin/smtp-sink';
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const IS_ROOT = process.getuid?.() === 0;

// --- options ---------------------------------------------------------------------------------

const USAGE = `npm run bench [-- options]

  --quick               a small run (2,000 messages, 300 latency messages, 200 idle connections, 20 MB message)
  --sessions N          parallel smtp-source sessions (default 20)
  --messages N          messages per throughput run (default 20000)
  --size BYTES          message payload, smtp-source -l (default 10240)
  --latency-messages N  messages in the one-session latency run (default 2000)
  --idle N              concurrent idle connections (default 1000)
  --big-mb N            size of the big message through gmail (default 100)
  --reps N              repetitions of each throughput run, median kept (default 3; --quick 1)
  --rule-reps N         alternating repetitions of the 10-rule / 1,000-rule runs (default 3)
  --stock-cap N         messages for the stock smtp-server sink's new-connection run, which its
                        100 ms greeting pause caps at sessions/0.1 s (default 2000)
  --workloads LIST      any of new,reused,latency,idle,rules,big,flat,shared, or none (default: all)
  --big-scenario NAME   scenario for the big message (default gmail, the shipped file)
  --systems LIST        any of smtp-sink,node-sink-nodelay,node-sink,mockmx-default,mockmx-gmail
  --extra LIST          also measure peers from bench/peers.sh: haraka,aiosmtpd,maildev (installs them)
  --profile             also run the reused workload on the bare sink, mockmx default, gmail (and the 1,000-rule
                        scenario with the rules workload) under node --cpu-prof; print the top
                        functions by self time (profiles kept in bench/results/profiles/)
  --profile-workload W  the workload profiled: reused (default) or new
  --soak MINUTES        also run mockmx default at half its measured peak for MINUTES, RSS every 5 s
  --soak-rate N         messages/second for the soak (default: half the measured reused peak)
  --timeout SECONDS     upper bound for any one run (default 300)
  --out FILE            results JSON (default bench/results/latest.json)
  --no-install          never call apt-get
  --no-build            do not run npm run build first
  --help
`;

const { values: opt } = parseArgsOrExit({
  options: {
    quick: { type: 'boolean', default: false },
    sessions: { type: 'string' },
    messages: { type: 'string' },
    size: { type: 'string' },
    'latency-messages': { type: 'string' },
    idle: { type: 'string' },
    'big-mb': { type: 'string' },
    'big-scenario': { type: 'string' },
    reps: { type: 'string' },
    'rule-reps': { type: 'string' },
    'stock-cap': { type: 'string' },
    workloads: { type: 'string' },
    systems: { type: 'string' },
    extra: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'profile-workload': { type: 'string', default: 'reused' },
    soak: { type: 'string' },
    'soak-rate': { type: 'string' },
    timeout: { type: 'string' },
    out: { type: 'string' },
    'no-install': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
function parseArgsOrExit(config) {
  try {
    return parseArgs(config);
  } catch (e) {
    process.stderr.write(`bench: ${e.message}; see npm run bench -- --help\n`);
    process.exit(2);
  }
}
if (opt.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const int = (v, d, name) => {
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) fatal(`--${name} wants a number, got "${v}"`);
  return n;
};
const Q = opt.quick;
const P = {
  quick: Q,
  sessions: int(opt.sessions, 20, 'sessions'),
  messages: int(opt.messages, Q ? 2000 : 20000, 'messages'),
  size: int(opt.size, 10240, 'size'),
  latencyMessages: int(opt['latency-messages'], Q ? 300 : 2000, 'latency-messages'),
  idle: int(opt.idle, Q ? 200 : 1000, 'idle'),
  bigMb: int(opt['big-mb'], Q ? 20 : 100, 'big-mb'),
  bigScenario: opt['big-scenario'] ?? 'gmail',
  reps: Math.max(1, int(opt.reps, Q ? 1 : 3, 'reps')),
  ruleReps: Math.max(1, int(opt['rule-reps'], Q ? 1 : 3, 'rule-reps')),
  stockCap: int(opt['stock-cap'], 2000, 'stock-cap'),
  timeoutS: int(opt.timeout, 300, 'timeout'),
  maxMessages: 1000,
  soakMinutes: opt.soak === undefined ? 0 : int(opt.soak, 0, 'soak'),
  soakRate: opt['soak-rate'] === undefined ? undefined : int(opt['soak-rate'], 0, 'soak-rate'),
};
const ALL_WORKLOADS = ['new', 'reused', 'latency', 'idle', 'rules', 'big', 'flat', 'shared'];
const BASE_SYSTEMS = ['smtp-sink', 'node-sink-nodelay', 'node-sink', 'mockmx-default', 'mockmx-gmail'];
const EXTRA_PEERS = ['haraka', 'aiosmtpd', 'maildev'];
const list = (v, all, name) => {
  if (v === undefined) return all;
  if (v === 'none') return [];
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!all.includes(i)) fatal(`--${name}: unknown "${i}" (one of ${all.join(', ')})`);
  return items;
};
const WORKLOADS = list(opt.workloads, ALL_WORKLOADS, 'workloads');
const EXTRAS = list(opt.extra, EXTRA_PEERS, 'extra').filter(() => opt.extra !== undefined);
const SYSTEMS = [...list(opt.systems, BASE_SYSTEMS, 'systems'), ...EXTRAS];
const OUT = resolve(opt.out ?? join(BENCH, 'results', 'latest.json'));

function fatal(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

// --- processes: every child recorded by PID, stopped by PID ------------------------------------

const children = new Map(); // pid -> { name, child }
let tmp; // temp dir, removed on exit

function cleanupSync() {
  for (const [pid] of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  children.clear();
  for (const p of externalPeers.splice(0)) {
    try {
      spawnSync('bash', [join(BENCH, 'peers.sh'), 'stop', p.peer, String(p.port)], { stdio: 'ignore', timeout: 20_000, env: peersEnv() });
    } catch {}
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
}
const externalPeers = []; // peers started through peers.sh (not our children): stopped by its recorded PID
process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`\nbench: ${sig}, stopping everything it started\n`);
    cleanupSync();
    process.exit(130);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Spawns a long-running process; resolves once `ready(stdoutSoFar)` returns a value. */
function startProcess(name, cmd, args, { ready, timeoutMs = 30_000, cwd = ROOT, env = process.env } = {}) {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(child.pid, { name, child });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
    if (out.length > 1e5) out = out.slice(-5e4);
  });
  child.stderr.on('data', (d) => {
    err += d;
    if (err.length > 1e5) err = err.slice(-5e4);
  });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  child.on('exit', () => children.delete(child.pid));
  const proc = { name, pid: child.pid, child, exited, output: () => out, errors: () => err };
  return new Promise((resolveP, rejectP) => {
    const deadline = Date.now() + timeoutMs;
    let done = false;
    exited.then(({ code, signal }) => {
      if (!done) {
        done = true;
        rejectP(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${(err || out).slice(-2000)}`));
      }
    });
    const poll = async () => {
      while (!done) {
        let value;
        try {
          value = await ready(out, proc);
        } catch {}
        if (done) return;
        if (value !== undefined && value !== false) {
          done = true;
          return resolveP(Object.assign(proc, value === true ? {} : value));
        }
        if (Date.now() > deadline) {
          done = true;
          await stopProcess(proc);
          return rejectP(new Error(`${name} not ready within ${timeoutMs} ms:\n${(err || out).slice(-2000)}`));
        }
        await sleep(50);
      }
    };
    poll();
  });
}

async function stopProcess(proc, graceMs = 10_000) {
  if (!children.has(proc.pid)) return proc.exited;
  try {
    process.kill(proc.pid, 'SIGTERM');
  } catch {}
  const t = setTimeout(() => {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {}
  }, graceMs);
  const r = await proc.exited;
  clearTimeout(t);
  return r;
}

/** Runs a command to completion with a time bound; resolves { code, signal, stdout, stderr, seconds }. */
function runBounded(cmd, args, { timeoutMs, onStdout, cwd = ROOT } = {}) {
  return new Promise((resolveP) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.set(child.pid, { name: cmd, child });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      const s = d.toString();
      onStdout?.(s);
      stdout = (stdout + s).slice(-20_000);
    });
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-20_000);
    });
    let timedOut = false;
    const t = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {}
    }, timeoutMs ?? P.timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(t);
      children.delete(child.pid);
      resolveP({ code, signal, stdout, stderr, timedOut, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
    });
  });
}

// --- /proc --------------------------------------------------------------------------------------

function cpuSeconds(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] = state (field 3)
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime (14) + stime (15)
  } catch {
    return NaN;
  }
}
function memKb(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const v = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
    return { rss: v('VmRSS'), hwm: v('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5'); // 5: reset VmHWM to the current RSS
    return true;
  } catch {
    return false;
  }
}
/** The process and its direct children (Haraka, maildev may fork), for peers started by peers.sh. */
function pidsOf(pid) {
  const out = [pid];
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (kids) out.push(...kids.split(/\s+/).map(Number));
  } catch {}
  return out;
}
const sumCpu = (pids) => pids.reduce((a, p) => a + (cpuSeconds(p) || 0), 0);
const sumMem = (pids) => pids.reduce((a, p) => { const m = memKb(p); return { rss: a.rss + (m.rss || 0), hwm: a.hwm + (m.hwm || 0) }; }, { rss: 0, hwm: 0 });

// --- small network helpers ---------------------------------------------------------------------

function freePort() {
  return new Promise((resolveP, rejectP) => {
    const s = net.createServer();
    s.once('error', rejectP);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolveP(port));
    });
  });
}

function httpText(port, path, timeoutMs = 10_000) {
  return new Promise((resolveP, rejectP) => {
    const req = httpGet({ host: HOST, port, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolveP({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', rejectP);
  });
}

async function mockmxCounts(httpPort) {
  const { body } = await httpText(httpPort, '/metrics');
  const metric = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)$`, 'm').exec(body)?.[1] ?? NaN);
  const list = JSON.parse((await httpText(httpPort, '/api/v1/messages?limit=1')).body);
  return { accepted: metric('mockmx_messages_accepted_total'), stored: metric('mockmx_messages_stored'), listed: list.total, newest: list.items?.[0] };
}

/** A minimal SMTP client over a raw socket: one reply at a time, multi-line aware. */
class SmtpClient {
  static connect(port, timeoutMs = 10_000) {
    return new Promise((resolveP, rejectP) => {
      const sock = net.connect({ host: HOST, port });
      const c = new SmtpClient(sock);
      const t = setTimeout(() => {
        sock.destroy();
        rejectP(new Error('connect/greeting timeout'));
      }, timeoutMs);
      c.read(timeoutMs).then(
        (greeting) => {
          clearTimeout(t);
          c.greeting = greeting;
          resolveP(c);
        },
        (e) => {
          clearTimeout(t);
          sock.destroy();
          rejectP(e);
        },
      );
    });
  }
  constructor(sock) {
    this.sock = sock;
    this.buf = '';
    this.cur = [];
    this.replies = [];
    this.waiters = [];
    this.error = undefined;
    sock.setNoDelay(true);
    sock.on('data', (d) => this.onData(d));
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('connection closed')));
  }
  onData(d) {
    this.buf += d.toString('latin1');
    let i;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).replace(/\r$/, '');
      this.buf = this.buf.slice(i + 1);
      this.cur.push(line);
      if (line.length < 4 || line[3] !== '-') {
        const reply = { code: Number(line.slice(0, 3)), lines: this.cur };
        this.cur = [];
        const w = this.waiters.shift();
        if (w) w.resolve(reply);
        else this.replies.push(reply);
      }
    }
  }
  fail(e) {
    this.error ??= e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }
  read(timeoutMs = 30_000) {
    if (this.replies.length) return Promise.resolve(this.replies.shift());
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolveP, rejectP) => {
      const w = {
        resolve: (r) => (clearTimeout(t), resolveP(r)),
        reject: (e) => (clearTimeout(t), rejectP(e)),
      };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        rejectP(new Error('reply timeout'));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }
  async cmd(line, expectClass, timeoutMs) {
    this.sock.write(`${line}\r\n`);
    const r = await this.read(timeoutMs);
    if (expectClass && Math.floor(r.code / 100) !== expectClass) throw new Error(`${line.slice(0, 40)} -> ${r.lines.join(' | ').slice(0, 300)}`);
    return r;
  }
  async write(chunk) {
    if (!this.sock.write(chunk)) {
      await new Promise((resolveP, rejectP) => {
        const onErr = (e) => rejectP(e);
        this.sock.once('error', onErr);
        this.sock.once('drain', () => {
          this.sock.off('error', onErr);
          resolveP();
        });
      });
    }
    if (this.error) throw this.error;
  }
  async send({ from, to, body }, timeoutMs = 30_000) {
    await this.cmd(`MAIL FROM:<${from}>`, 2, timeoutMs);
    await this.cmd(`RCPT TO:<${to}>`, 2, timeoutMs);
    await this.cmd('DATA', 3, timeoutMs);
    if (typeof body === 'string' || Buffer.isBuffer(body)) await this.write(body);
    else for await (const chunk of body) await this.write(chunk);
    await this.write('\r\n.\r\n');
    const r = await this.read(timeoutMs);
    if (r.code !== 250) throw new Error(`end of data -> ${r.lines.join(' | ').slice(0, 300)}`);
    return r;
  }
  close() {
    try {
      this.sock.write('QUIT\r\n');
    } catch {}
    this.sock.end();
    setTimeout(() => this.sock.destroy(), 1000).unref();
  }
}

/**
 * The V8 inspector of a Node server started with --inspect=127.0.0.1:0: a minimal WebSocket
 * client (Node 20 has none built in) for HeapProfiler.collectGarbage and Runtime.getHeapUsage,
 * so memory can be read as the live heap after a full GC, not as RSS with garbage in it.
 */
class Inspector {
  static async connect(wsUrl, timeoutMs = 10_000) {
    const u = new URL(wsUrl);
    if (u.hostname !== HOST) throw new Error(`inspector not on ${HOST}: ${wsUrl}`);
    const sock = net.connect({ host: HOST, port: Number(u.port) });
    const key = randomBytes(16).toString('base64');
    await new Promise((resolveP, rejectP) => {
      const t = setTimeout(() => rejectP(new Error('inspector handshake timeout')), timeoutMs);
      let head = Buffer.alloc(0);
      const onData = (d) => {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        sock.off('data', onData);
        clearTimeout(t);
        if (!/^HTTP\/1\.1 101/.test(head.toString('latin1'))) return rejectP(new Error(`inspector refused: ${head.toString('latin1').split('\r\n')[0]}`));
        if (head.length > end + 4) sock.unshift(head.subarray(end + 4));
        resolveP();
      };
      sock.on('data', onData);
      sock.once('error', rejectP);
      sock.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    return new Inspector(sock);
  }
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.nextId = 1;
    this.pending = new Map();
    sock.on('data', (d) => this.onData(d));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('inspector closed'));
      this.pending.clear();
    });
  }
  onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.buf.length < 2) return;
      const op = this.buf[0] & 0x0f;
      let len = this.buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      if (this.buf.length < off + len) return;
      const payload = this.buf.subarray(off, off + len);
      this.buf = this.buf.subarray(off + len);
      if (op !== 1) continue; // text frames only (the inspector does not fragment its replies)
      let msg;
      try {
        msg = JSON.parse(payload.toString('utf8'));
      } catch {
        continue;
      }
      const p = msg.id !== undefined && this.pending.get(msg.id);
      if (p) {
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new Error(msg.error.message));
        else p.resolve(msg.result);
      }
    }
  }
  call(method, params = {}, timeoutMs = 30_000) {
    const id = this.nextId++;
    const data = Buffer.from(JSON.stringify({ id, method, params }));
    const mask = randomBytes(4);
    const len = data.length;
    const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]);
    for (let i = 0; i < len; i++) data[i] ^= mask[i & 3];
    this.sock.write(Buffer.concat([head, mask, data]));
    return new Promise((resolveP, rejectP) => {
      const t = setTimeout(() => (this.pending.delete(id), rejectP(new Error(`${method} timed out`))), timeoutMs);
      this.pending.set(id, { resolve: (r) => (clearTimeout(t), resolveP(r)), reject: (e) => (clearTimeout(t), rejectP(e)) });
    });
  }
  /** Live JS heap in kB after a full garbage collection. */
  async heapAfterGcKb() {
    await this.call('HeapProfiler.collectGarbage');
    const { usedSize } = await this.call('Runtime.getHeapUsage');
    return usedSize / 1024;
  }
  close() {
    this.sock.destroy();
  }
}

/** A message like smtp-source's: From/To/Date/Message-ID, then `size` bytes of 78-character lines. */
const LINE = `${'X'.repeat(78)}\r\n`;
function message(i, size, tag) {
  const head =
    `From: <sender@example.com>\r\nTo: <rcpt@example.com>\r\nSubject: bench ${tag} ${i}\r\n` +
    `Date: ${new Date().toUTCString()}\r\nMessage-ID: <${tag}.${i}.${process.pid}@client.example.com>\r\n\r\n`;
  const body = LINE.repeat(Math.floor(size / LINE.length)) + 'X'.repeat(size % LINE.length);
  return head + body;
}
function* bigBody(totalBytes, tag) {
  yield Buffer.from(`From: <sender@example.com>\r\nTo: <rcpt@example.com>\r\nSubject: big ${tag}\r\nDate: ${new Date().toUTCString()}\r\nMessage-ID: <big.${tag}.${process.pid}@client.example.com>\r\n\r\n`);
  const perChunk = 840; // 67,200 bytes per write
  const chunk = Buffer.from(LINE.repeat(perChunk));
  const lines = Math.floor(totalBytes / LINE.length);
  for (let done = 0; done < lines; done += perChunk) {
    const n = Math.min(perChunk, lines - done);
    yield n === perChunk ? chunk : chunk.subarray(0, n * LINE.length);
  }
}

// --- setup ----------------------------------------------------------------------------------------

function log(s) {
  process.stderr.write(`${s}\n`);
}

function ensurePostfix() {
  if (existsSync(SMTP_SOURCE) && existsSync(SMTP_SINK)) return;
  if (opt['no-install']) fatal(`${SMTP_SOURCE} or ${SMTP_SINK} missing and --no-install given; apt-get install postfix`);
  if (!IS_ROOT) fatal(`${SMTP_SOURCE} missing: run as root once, or: sudo apt-get install postfix (choose "No configuration")`);
  log('bench: installing Debian postfix (smtp-sink, smtp-source) with debconf "No configuration"');
  execFileSync('debconf-set-selections', { input: 'postfix postfix/main_mailer_type select No configuration\n', stdio: ['pipe', 'inherit', 'inherit'] });
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const r1 = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env, timeout: 600_000 });
  const r2 = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postfix'], { stdio: 'inherit', env, timeout: 900_000 });
  if (r1.status !== 0 || r2.status !== 0 || !existsSync(SMTP_SOURCE)) fatal('apt-get install postfix failed');
}

function build() {
  if (opt['no-build']) return;
  log('bench: npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) fatal(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
}

const peersEnv = () => ({ ...process.env, PEERS_DIR: process.env.PEERS_DIR ?? '/tmp/peers', RUN_DIR: join(tmp ?? os.tmpdir(), 'peers-run') });

function ensureExtras() {
  for (const peer of EXTRAS) {
    const r = spawnSync('bash', [join(BENCH, 'peers.sh'), 'install-peer', peer], { stdio: 'inherit', env: peersEnv(), timeout: 900_000 });
    if (r.status !== 0) fatal(`installing ${peer} failed`);
  }
}

/** Scenario files for the run, in the temp dir. */
function writeScenarios() {
  // gmail with its rate limits raised: the shipped one refuses a single client IP after 100
  // messages without TLS (gmail-tls-not-used, 421 4.7.29) and 2,000 an hour; every rule and
  // content check stays on, only the limits move out of the benchmark's way. maxConnections:
  // 500 (Gmail's) would refuse the idle workload's 1,000 connections with 421.
  const shipped = readFileSync(join(ROOT, 'scenarios', 'gmail.yaml'), 'utf8');
  let raised = 0;
  const gmail = shipped
    .replace(/^(\s*rate:\s*)(\d+)(\/\w+)/gm, (_m, a, _n, w) => (raised++, `${a}1000000000${w}`))
    .replace(/^(\s*maxConnections:\s*)\d+/m, '$12000')
    .replace(/^name: gmail$/m, 'name: gmail-bench');
  if (raised < 5) fatal(`expected gmail.yaml to have rate: rules to raise, found ${raised}`);
  writeFileSync(join(tmp, 'gmail-bench.yaml'), gmail);
  const rules = (n) =>
    `name: rules-${n}\nextends: default\nrules:\n` +
    Array.from({ length: n }, (_, i) => `  - { id: miss-${i + 1}, when: { rcpt: "nobody-${i + 1}@*" }, then: "550 5.1.1 nobody-${i + 1} is not here" }\n`).join('');
  writeFileSync(join(tmp, 'rules-10.yaml'), rules(10));
  writeFileSync(join(tmp, 'rules-1000.yaml'), rules(1000));
  const v = spawnSync(process.execPath, ['dist/src/cli.js', 'validate', ...['gmail-bench', 'rules-10', 'rules-1000'].map((f) => join(tmp, `${f}.yaml`))], { cwd: ROOT, encoding: 'utf8' });
  if (v.status !== 0) fatal(`generated scenarios do not validate:\n${v.stdout}${v.stderr}`);
  return raised;
}

// --- systems ----------------------------------------------------------------------------------------

const LABEL = {
  'smtp-sink': 'Postfix smtp-sink',
  'node-sink-nodelay': 'smtp-server, pause removed',
  'node-sink': 'smtp-server, stock',
  'mockmx-default': 'mockmx default',
  'mockmx-gmail': 'mockmx gmail',
  'mockmx-rules-10': 'mockmx 10 rules',
  'mockmx-rules-1000': 'mockmx 1,000 rules',
  'mockmx-gmail-shipped': 'mockmx gmail (shipped)',
  haraka: 'Haraka',
  aiosmtpd: 'aiosmtpd',
  maildev: 'maildev',
};
const isMockmx = (s) => s.startsWith('mockmx');

async function startSystem(system, { nodeArgs = [], inspect = false } = {}) {
  if (inspect) nodeArgs = [...nodeArgs, `--inspect=${HOST}:0`];
  const withInspector = (ready) =>
    inspect
      ? async (out, proc) => {
          const r = await ready(out, proc);
          if (r === undefined || r === false) return undefined;
          const ws = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(proc.errors());
          if (!ws) return undefined;
          return { ...(r === true ? {} : r), inspector: await Inspector.connect(ws[1]) };
        }
      : ready;
  const mockmx = (scenario) =>
    startProcess(system, process.execPath, [...nodeArgs, 'dist/src/cli.js', '--smtp-port', '0', '--http-port', '0', '--max-messages', String(P.maxMessages), '--scenario', scenario], {
      ready: withInspector((out) => {
        const smtp = /^smtp listening on 127\.0\.0\.1:(\d+)$/m.exec(out);
        const http = /^http listening on 127\.0\.0\.1:(\d+)$/m.exec(out);
        return smtp && http ? { port: Number(smtp[1]), httpPort: Number(http[1]) } : undefined;
      }),
    });
  switch (system) {
    case 'mockmx-default':
      return mockmx('default');
    case 'mockmx-gmail':
      return mockmx(join(tmp, 'gmail-bench.yaml'));
    case 'mockmx-gmail-shipped':
      return mockmx('gmail');
    case 'mockmx-big':
      return mockmx(P.bigScenario);
    case 'mockmx-rules-10':
      return mockmx(join(tmp, 'rules-10.yaml'));
    case 'mockmx-rules-1000':
      return mockmx(join(tmp, 'rules-1000.yaml'));
    case 'node-sink':
    case 'node-sink-nodelay':
      return startProcess(system, process.execPath, [...nodeArgs, join(BENCH, 'node-sink.mjs'), ...(system === 'node-sink' ? [] : ['--no-greeting-delay'])], {
        ready: withInspector((out) => {
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
          return m ? { port: Number(m[1]) } : undefined;
        }),
      });
    case 'smtp-sink': {
      for (let attempt = 0; ; attempt++) {
        const port = await freePort();
        try {
          // -u nobody: smtp-sink refuses to run as root; -m: concurrent sessions (idle workload); 1024: listen backlog
          return await startProcess(system, SMTP_SINK, [...(IS_ROOT ? ['-u', 'nobody'] : []), '-m', '2048', `${HOST}:${port}`, '1024'], {
            timeoutMs: 10_000,
            ready: async () => {
              const c = await SmtpClient.connect(port, 1000);
              c.close();
              return c.greeting.code === 220 ? { port } : undefined;
            },
          });
        } catch (e) {
          if (attempt >= 2) throw e;
        }
      }
    }
    default: {
      // haraka, aiosmtpd, maildev through peers.sh (it records and kills the PID)
      const port = await freePort();
      const r = spawnSync('bash', [join(BENCH, 'peers.sh'), 'start', system, String(port)], { encoding: 'utf8', env: peersEnv(), timeout: 60_000 });
      if (r.status !== 0) throw new Error(`peers.sh start ${system} failed: ${r.stderr.slice(-1000)}`);
      const pid = Number(r.stdout.trim().split('\n').pop());
      const handle = { peer: system, port };
      externalPeers.push(handle);
      return { name: system, pid, port, external: handle };
    }
  }
}

async function stopSystem(proc) {
  proc.inspector?.close();
  if (proc.external) {
    spawnSync('bash', [join(BENCH, 'peers.sh'), 'stop', proc.external.peer, String(proc.external.port)], { stdio: 'ignore', env: peersEnv(), timeout: 30_000 });
    externalPeers.splice(externalPeers.indexOf(proc.external), 1);
    return;
  }
  await stopProcess(proc);
}

// --- workloads ------------------------------------------------------------------------------------

/** Samples the server's RSS and the client's progress every `everyMs` until stopped. */
function sampler(pids, progress, everyMs = 250) {
  const t0 = Date.now();
  const samples = [];
  const take = () => {
    const m = sumMem(pids());
    samples.push([Date.now() - t0, progress(), m.rss]);
  };
  take();
  const t = setInterval(take, everyMs);
  return {
    stop: () => {
      clearInterval(t);
      take();
      return samples;
    },
  };
}

/** smtp-source against `proc`: `reuse` adds -d (one connection per session). */
const sourceArgs = (port, messages, reuse) => ['-c', '-s', String(P.sessions), '-m', String(messages), '-l', String(P.size), '-N', '-M', 'client.example.com', '-f', 'sender@example.com', '-t', 'rcpt@example.com', ...(reuse ? ['-d'] : []), `${HOST}:${port}`];
const deliveredOf = (stdout) => Number((/(\d+)\s*$/.exec(stdout.replace(/\r/g, '\n').trim()) ?? [])[1] ?? 0);

/** smtp-source -c prints "1\r2\r3\r…": the last number followed by \r is the count so far. */
function counterParser() {
  let tail = '';
  const c = {
    count: 0,
    feed: (s) => {
      tail = (tail + s).slice(-64);
      const m = /(\d+)[\r\n]+[^\d]*$/.exec(tail) ?? /(\d+)[\r\n]+\d*$/.exec(tail);
      if (m) c.count = Number(m[1]);
    },
  };
  return c;
}

async function smtpSourceRun(system, proc, { messages, reuse }) {
  const pids = () => (proc.external ? pidsOf(proc.pid) : [proc.pid]);
  const counter = counterParser();
  const cpu0 = sumCpu(pids());
  const smp = sampler(pids, () => counter.count);
  const r = await runBounded(SMTP_SOURCE, sourceArgs(proc.port, messages, reuse), { onStdout: counter.feed });
  const samples = smp.stop();
  const cpu = sumCpu(pids()) - cpu0;
  const mem = sumMem(pids());
  const delivered = deliveredOf(r.stdout);
  const run = {
    system,
    workload: reuse ? 'reused' : 'new',
    sessions: P.sessions,
    messages,
    delivered,
    seconds: r.seconds,
    msgsPerSec: delivered / r.seconds,
    cpuSec: cpu,
    cpuUsPerMsg: delivered ? (cpu / delivered) * 1e6 : NaN,
    peakRssMb: mem.hwm / 1024,
    endRssMb: mem.rss / 1024,
    ok: r.code === 0 && delivered === messages,
  };
  if (!run.ok) run.error = `smtp-source ${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' / ').slice(0, 500)}`;
  if (isMockmx(system)) {
    run.rssSamples = samples; // [ms, messages so far, rss kB]
    run.captured = await captureCheck(proc, delivered);
  }
  return run;
}

async function captureCheck(proc, sent) {
  try {
    const c = await mockmxCounts(proc.httpPort);
    const expectStored = Math.min(sent, P.maxMessages);
    return { sent, accepted: c.accepted, stored: c.stored, listed: c.listed, ok: c.accepted === sent && c.stored === expectStored && c.listed === expectStored };
  } catch (e) {
    return { sent, ok: false, error: String(e.message ?? e) };
  }
}

/**
 * 20,000 messages into mockmx default with --max-messages 1000, the live heap read after a
 * forced full GC (through the inspector) every 5 % of the run: flat after the first thousand?
 */
async function flatRun(reuse) {
  const system = 'mockmx-default';
  return withSystem(
    system,
    async (proc) => {
      const step = Math.max(100, Math.round(P.messages / 20));
      const counter = counterParser();
      const samples = []; // [messages so far, live heap kB after GC, RSS kB]
      const take = async (n) => samples.push([n, await proc.inspector.heapAfterGcKb(), memKb(proc.pid).rss]);
      await take(0);
      let running = true;
      const runP = runBounded(SMTP_SOURCE, sourceArgs(proc.port, P.messages, reuse), { onStdout: counter.feed }).finally(() => (running = false));
      let next = step;
      while (running) {
        if (counter.count >= next) {
          const n = counter.count;
          await take(n);
          while (next <= n) next += step;
        } else await sleep(10);
      }
      const r = await runP;
      await sleep(300); // sessions end
      await take(deliveredOf(r.stdout));
      const delivered = deliveredOf(r.stdout);
      const base = samples.find(([n]) => n >= P.maxMessages);
      const later = base ? samples.slice(samples.indexOf(base) + 1) : [];
      const peak = later.length ? later.reduce((a, b) => (b[1] > a[1] ? b : a)) : undefined;
      const xs = later.map(([n]) => n);
      const ys = later.map(([, kb]) => kb);
      const mx = xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
      const my = ys.reduce((a, b) => a + b, 0) / (ys.length || 1);
      const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / (xs.reduce((a, x) => a + (x - mx) ** 2, 0) || 1);
      return {
        system,
        workload: reuse ? 'flat-reused' : 'flat-new',
        messages: P.messages,
        delivered,
        seconds: r.seconds,
        samples,
        baseAt: base?.[0],
        heapBaseMb: base ? base[1] / 1024 : NaN,
        heapPeakMb: peak ? peak[1] / 1024 : NaN,
        heapEndMb: samples.at(-1)[1] / 1024,
        heapGrowthMb: base && peak ? (peak[1] - base[1]) / 1024 : NaN,
        heapSlopeKbPer1000: slope * 1000,
        rssBaseMb: base ? base[2] / 1024 : NaN,
        rssEndMb: samples.at(-1)[2] / 1024,
        peakRssMb: memKb(proc.pid).hwm / 1024,
        captured: await captureCheck(proc, delivered),
        ok: r.code === 0 && delivered === P.messages && !!base && later.length > 0,
        ...(r.code === 0 ? {} : { error: `smtp-source exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}` }),
      };
    },
    { inspect: true },
  );
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] : NaN);

/** One session, one message at a time, over a raw socket: per-message latency from MAIL to the final 250. */
async function latencyRun(system, proc) {
  const n = P.latencyMessages;
  const pids = () => (proc.external ? pidsOf(proc.pid) : [proc.pid]);
  const cpu0 = sumCpu(pids());
  const lat = [];
  const t0 = process.hrtime.bigint();
  let error;
  const c = await SmtpClient.connect(proc.port);
  try {
    await c.cmd('EHLO client.example.com', 2);
    for (let i = 0; i < n; i++) {
      const body = message(i, P.size, `lat-${system}`);
      const s = process.hrtime.bigint();
      await c.send({ from: 'sender@example.com', to: `${i}-rcpt@example.com`, body });
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
  } catch (e) {
    error = String(e.message ?? e);
  } finally {
    c.close();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = sumCpu(pids()) - cpu0;
  const sorted = [...lat].sort((a, b) => a - b);
  const run = {
    system,
    workload: 'latency',
    sessions: 1,
    messages: n,
    delivered: lat.length,
    seconds,
    msgsPerSec: lat.length / seconds,
    p50Ms: pct(sorted, 0.5),
    p99Ms: pct(sorted, 0.99),
    maxMs: sorted.at(-1),
    cpuSec: cpu,
    cpuUsPerMsg: lat.length ? (cpu / lat.length) * 1e6 : NaN,
    peakRssMb: sumMem(pids()).hwm / 1024,
    ok: !error && lat.length === n,
  };
  if (error) run.error = error;
  if (isMockmx(system)) {
    await sleep(100);
    run.captured = await captureCheck(proc, lat.length);
  }
  return run;
}

/** K idle connections (greeted, then silent), RSS per connection, and a normal session meanwhile. */
async function idleRun(system, proc) {
  const k = P.idle;
  const pids = () => (proc.external ? pidsOf(proc.pid) : [proc.pid]);
  // warm up the code paths first, so the delta is the connections' own memory
  const w = await SmtpClient.connect(proc.port);
  await w.cmd('EHLO client.example.com', 2);
  await w.send({ from: 'sender@example.com', to: 'warm@example.com', body: message(0, P.size, `idle-warm-${system}`) });
  w.close();
  await sleep(500);
  const heapBefore = proc.inspector ? await proc.inspector.heapAfterGcKb() : NaN;
  const before = sumMem(pids());
  const cpu0 = sumCpu(pids());
  const clients = [];
  let refused = 0;
  let failed = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < k; i += 50) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(50, k - i) }, () => SmtpClient.connect(proc.port, 15_000)));
    for (const b of batch) {
      if (b.status === 'rejected') failed++;
      else if (b.value.greeting.code !== 220) (refused++, b.value.sock.destroy());
      else clients.push(b.value);
    }
  }
  const openSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await sleep(1000);
  const during = sumMem(pids());
  const heapDuring = proc.inspector ? await proc.inspector.heapAfterGcKb() : NaN;
  // a normal session while they are all open
  let normal = { ok: false };
  const s0 = process.hrtime.bigint();
  try {
    const c = await SmtpClient.connect(proc.port, 10_000);
    try {
      if (c.greeting.code !== 220) throw new Error(`greeting ${c.greeting.lines.join(' | ')}`);
      await c.cmd('EHLO client.example.com', 2, 10_000);
      await c.send({ from: 'sender@example.com', to: 'during-idle@example.com', body: message(1, P.size, `idle-${system}`) }, 10_000);
      normal = { ok: true, ms: Number(process.hrtime.bigint() - s0) / 1e6 };
    } finally {
      c.close();
    }
  } catch (e) {
    normal = { ok: false, error: String(e.message ?? e), ms: Number(process.hrtime.bigint() - s0) / 1e6 };
  }
  const stillOpen = clients.filter((c) => !c.error).length;
  const cpu = sumCpu(pids()) - cpu0;
  for (const c of clients) c.sock.destroy();
  const run = {
    system,
    workload: 'idle',
    connections: k,
    greeted: clients.length,
    refused,
    failed,
    stillOpen,
    openSeconds,
    rssBeforeMb: before.rss / 1024,
    rssDuringMb: during.rss / 1024,
    kbPerConnection: clients.length ? (during.rss - before.rss) / clients.length : NaN,
    heapBeforeMb: heapBefore / 1024,
    heapDuringMb: heapDuring / 1024,
    heapKbPerConnection: clients.length ? (heapDuring - heapBefore) / clients.length : NaN,
    cpuSec: cpu,
    peakRssMb: sumMem(pids()).hwm / 1024,
    normalSession: normal,
    ok: clients.length === k && normal.ok,
  };
  if (isMockmx(system)) {
    await sleep(200);
    run.captured = await captureCheck(proc, 2);
  }
  return run;
}

/** One message of `mb` MB through the shipped gmail scenario, streamed; peak memory before and after. */
async function bigRun() {
  const system = P.bigScenario === 'gmail' ? 'mockmx-gmail-shipped' : `mockmx-${P.bigScenario}`;
  const proc = await startSystem('mockmx-big');
  try {
    const c = await SmtpClient.connect(proc.port);
    try {
      await c.cmd('EHLO client.example.com', 2);
      await c.send({ from: 'sender@example.com', to: 'small@example.com', body: message(0, P.size, 'big-warm') });
      await sleep(500);
      resetPeak(proc.pid); // VmHWM := current RSS, so the peak read after is this message's
      const before = memKb(proc.pid);
      const bytes = P.bigMb * 1024 * 1024;
      const t0 = process.hrtime.bigint();
      let error;
      let samplesMax = before.rss;
      const t = setInterval(() => (samplesMax = Math.max(samplesMax, memKb(proc.pid).rss || 0)), 100);
      try {
        await c.send({ from: 'sender@example.com', to: 'big@example.com', body: bigBody(bytes, String(P.bigMb)) }, P.timeoutS * 1000);
      } catch (e) {
        error = String(e.message ?? e);
      } finally {
        clearInterval(t);
      }
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const after = memKb(proc.pid);
      const captured = await captureCheck(proc, error ? 1 : 2);
      return {
        system,
        workload: 'big',
        bytes,
        seconds,
        mbPerSec: P.bigMb / seconds,
        hwmBeforeMb: before.hwm / 1024,
        rssBeforeMb: before.rss / 1024,
        hwmAfterMb: after.hwm / 1024,
        rssAfterMb: after.rss / 1024,
        growthMb: (after.hwm - before.rss) / 1024, // the peak while and after receiving, over the resting RSS before it
        storedSize: captured.newest?.size,
        captured: { ...captured, newest: undefined },
        ok: !error,
        ...(error ? { error } : {}),
      };
    } finally {
      c.close();
    }
  } finally {
    await stopProcess(proc);
  }
}

// --- the run ---------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const fmt = (x, d = 0) => (x === undefined || Number.isNaN(x) ? '-' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));

async function withSystem(system, fn, startOptions) {
  const proc = await startSystem(system, startOptions);
  try {
    return await fn(proc);
  } finally {
    await stopSystem(proc);
  }
}

async function throughput(workload, systems) {
  const reuse = workload === 'reused';
  const byRep = new Map(systems.map((s) => [s, []]));
  for (let rep = 1; rep <= P.reps; rep++) {
    for (const system of systems) {
      // the stock smtp-server waits 100 ms before every greeting: with a new connection per
      // message it cannot pass sessions/0.1 s, so its run is capped to stay bounded
      const messages = system === 'node-sink' && !reuse ? Math.min(P.messages, P.stockCap) : P.messages;
      let run;
      try {
        run = await withSystem(system, (proc) => smtpSourceRun(system, proc, { messages, reuse }));
      } catch (e) {
        run = { system, workload, messages, ok: false, error: String(e.message ?? e), msgsPerSec: NaN };
      }
      run.rep = rep;
      log(`  ${workload.padEnd(7)} ${system.padEnd(18)} rep ${rep}: ${fmt(run.msgsPerSec, 0)} msg/s, ${fmt(run.cpuUsPerMsg, 0)} µs CPU/msg, peak ${fmt(run.peakRssMb, 0)} MB${run.captured ? `, captured ${run.captured.accepted}/${run.captured.sent}` : ''}${run.error ? `  ERROR ${run.error}` : ''}`);
      byRep.get(system).push(run);
    }
  }
  // keep the median run (by msg/s) of each system; note the spread
  return systems.map((system) => {
    const runs = byRep.get(system);
    const sorted = [...runs].sort((a, b) => (a.msgsPerSec || 0) - (b.msgsPerSec || 0));
    const med = sorted[Math.floor((sorted.length - 1) / 2)];
    return { ...med, reps: runs.length, msgsPerSecAll: runs.map((r) => r.msgsPerSec), ok: runs.every((r) => r.ok) };
  });
}

/**
 * Shared state: one mockmx with state in memory against two mockmx processes sharing state in
 * a private redis-server (--redis), same scenario, same messages, same run. The scenario's rule
 * keeps a rate window per recipient (limit out of reach, so every message passes), and
 * smtp-source sends every message to the same recipient: each RCPT reads and writes one hot
 * key, which two instances then contend for — the costly case. Cost per message is the CPU of
 * every process that serves (mockmx, and redis-server for the pair) over messages delivered.
 */
async function sharedRuns() {
  const scenario = join(tmp, 'shared-bench.yaml');
  writeFileSync(scenario, 'name: shared-bench\nrules:\n  - id: per-rcpt\n    when: { stage: rcpt }\n    rate: 1000000000/1h\n    per: rcpt\n    then: "450 4.2.1 rate limited"\n');
  // no -N: one recipient for every message, so the rate key is one hot key
  const args = (port, sessions, messages) => ['-c', '-s', String(sessions), '-m', String(messages), '-l', String(P.size), '-M', 'client.example.com', '-f', 'sender@example.com', '-t', 'rcpt@example.com', '-d', `${HOST}:${port}`];
  const start = (extra) =>
    startProcess('mockmx-shared', process.execPath, ['dist/src/cli.js', '--smtp-port', '0', '--http-port', '0', '--max-messages', String(P.maxMessages), '--scenario', scenario, ...extra], {
      ready: (out) => {
        const smtp = /^smtp listening on 127\.0\.0\.1:(\d+)$/m.exec(out);
        const http = /^http listening on 127\.0\.0\.1:(\d+)$/m.exec(out);
        return smtp && http ? { port: Number(smtp[1]), httpPort: Number(http[1]) } : undefined;
      },
    });
  /** smtp-source against each of `procs` at once, the messages split evenly; cost over `pids`. */
  const drive = async (label, procs, pids) => {
    const cpu0 = sumCpu(pids);
    const t0 = process.hrtime.bigint();
    const each = Math.floor(P.messages / procs.length);
    const runs = await Promise.all(procs.map((proc) => runBounded(SMTP_SOURCE, args(proc.port, Math.max(1, Math.floor(P.sessions / procs.length)), each))));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = sumCpu(pids) - cpu0;
    const delivered = runs.reduce((a, r) => a + deliveredOf(r.stdout), 0);
    const accepted = (await Promise.all(procs.map((p) => mockmxCounts(p.httpPort)))).reduce((a, c) => a + c.accepted, 0);
    const run = { system: label, workload: 'shared', instances: procs.length, messages: each * procs.length, delivered, accepted, seconds, msgsPerSec: delivered / seconds, cpuSec: cpu, cpuUsPerMsg: delivered ? (cpu / delivered) * 1e6 : NaN, ok: runs.every((r) => r.code === 0) && delivered === each * procs.length && accepted === delivered };
    if (!run.ok) run.error = runs.map((r) => (r.stderr || '').trim().split('\n').pop()).filter(Boolean).join(' / ').slice(0, 500) || `delivered ${delivered}, accepted ${accepted} of ${each * procs.length}`;
    log(`  shared  ${label.padEnd(22)}: ${fmt(run.msgsPerSec)} msg/s, ${fmt(run.cpuUsPerMsg)} µs CPU/msg${run.error ? `  ERROR ${run.error}` : ''}`);
    return run;
  };
  const runs = [];
  const one = await start([]);
  try {
    runs.push(await drive('1 instance, memory', [one], [one.pid]));
  } finally {
    await stopProcess(one);
  }
  if (spawnSync('redis-server', ['--version']).error) {
    runs.push({ system: '2 instances + Redis', workload: 'shared', ok: false, error: 'redis-server not found: apt-get install redis-server' });
    return runs;
  }
  const port = await freePort();
  const redis = await startProcess('redis-server', 'redis-server', ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'], {
    timeoutMs: 10_000,
    ready: (out) => /Ready to accept connections/.test(out),
  });
  try {
    const url = `redis://${HOST}:${port}/0`;
    const pair = await Promise.all([start(['--redis', url]), start(['--redis', url])]);
    try {
      runs.push(await drive('2 instances + Redis', pair, [...pair.map((p) => p.pid), redis.pid]));
    } finally {
      await Promise.all(pair.map((p) => stopProcess(p)));
    }
  } finally {
    await stopProcess(redis);
  }
  return runs;
}

async function rulesRuns() {
  const out = { 'mockmx-rules-10': [], 'mockmx-rules-1000': [] };
  for (let rep = 1; rep <= P.ruleReps; rep++) {
    const order = rep % 2 ? ['mockmx-rules-10', 'mockmx-rules-1000'] : ['mockmx-rules-1000', 'mockmx-rules-10'];
    for (const system of order) {
      const run = await withSystem(system, (proc) => smtpSourceRun(system, proc, { messages: P.messages, reuse: true }));
      delete run.rssSamples;
      log(`  rules   ${system.padEnd(18)} rep ${rep}: ${fmt(run.msgsPerSec, 0)} msg/s, ${fmt(run.cpuUsPerMsg, 0)} µs CPU/msg${run.captured ? `, captured ${run.captured.accepted}/${run.captured.sent}` : ''}${run.error ? `  ERROR ${run.error}` : ''}`);
      out[system].push(run);
    }
  }
  const r10 = median(out['mockmx-rules-10'].map((r) => r.msgsPerSec));
  const r1000 = median(out['mockmx-rules-1000'].map((r) => r.msgsPerSec));
  const c10 = median(out['mockmx-rules-10'].map((r) => r.cpuUsPerMsg));
  const c1000 = median(out['mockmx-rules-1000'].map((r) => r.cpuUsPerMsg));
  return { runs: out, msgsPerSec10: r10, msgsPerSec1000: r1000, cpuUsPerMsg10: c10, cpuUsPerMsg1000: c1000, throughputCost: 1 - r1000 / r10, cpuCost: c1000 / c10 - 1, ok: Object.values(out).flat().every((r) => r.ok) };
}

/** RSS after the store is full: the peak in the second half of the run over the peak in the first. */
function flatness(run) {
  const s = (run.rssSamples ?? []).filter(([, n]) => n >= P.maxMessages);
  if (s.length < 4) return undefined;
  const half = run.messages / 2;
  const first = s.filter(([, n]) => n < half).map(([, , kb]) => kb);
  const second = s.filter(([, n]) => n >= half).map(([, , kb]) => kb);
  if (!first.length || !second.length) return undefined;
  // least-squares slope of RSS over messages (kB per 1,000 messages)
  const xs = s.map(([, n]) => n);
  const ys = s.map(([, , kb]) => kb);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / (xs.reduce((a, x) => a + (x - mx) ** 2, 0) || 1);
  const p1 = Math.max(...first);
  const p2 = Math.max(...second);
  return { firstHalfPeakMb: p1 / 1024, secondHalfPeakMb: p2 / 1024, growthMb: (p2 - p1) / 1024, slopeKbPer1000: slope * 1000, samples: s.length };
}

/** Paced load at `rate` msg/s for `minutes` over 10 reused connections; RSS every 5 s. */
async function soak(rate, minutes) {
  const system = 'mockmx-default';
  return withSystem(system, soakWith, { inspect: true });
  async function soakWith(proc) {
    const conns = 10;
    const end = Date.now() + minutes * 60_000;
    const start = Date.now();
    let next = 0;
    let sent = 0;
    let errors = 0;
    let lastError;
    const samples = [];
    const sample = () => samples.push([Date.now() - start, sent, memKb(proc.pid).rss]);
    sample();
    const st = setInterval(sample, 5000);
    // the live heap after a forced GC, about 10 times over the run (at most every 30 s)
    const heap = [];
    const heapEvery = Math.min(30_000, (minutes * 60_000) / 10);
    let heapTimer;
    const heapLoop = async () => {
      if (Date.now() >= end) return;
      try {
        heap.push([Date.now() - start, sent, await proc.inspector.heapAfterGcKb()]);
      } catch {}
      heapTimer = setTimeout(heapLoop, heapEvery);
    };
    heapTimer = setTimeout(heapLoop, heapEvery);
    const cpu0 = cpuSeconds(proc.pid);
    const worker = async (w) => {
      let c;
      while (Date.now() < end) {
        try {
          if (!c || c.error) {
            c = await SmtpClient.connect(proc.port);
            await c.cmd('EHLO client.example.com', 2);
          }
          const k = next++;
          const due = start + (k / rate) * 1000;
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait);
          if (Date.now() >= end) break;
          await c.send({ from: 'sender@example.com', to: `${k}-soak@example.com`, body: message(k, P.size, `soak-${w}`) });
          sent++;
        } catch (e) {
          errors++;
          lastError = String(e.message ?? e);
          c?.sock.destroy();
          c = undefined;
          if (errors > 100) break;
          await sleep(100);
        }
      }
      c?.close();
    };
    await Promise.all(Array.from({ length: conns }, (_, w) => worker(w)));
    clearInterval(st);
    clearTimeout(heapTimer);
    sample();
    const seconds = (Date.now() - start) / 1000;
    await sleep(300);
    heap.push([Date.now() - start, sent, await proc.inspector.heapAfterGcKb()]);
    // after the ramp-up: the store full (2 x max-messages) and a quarter of the run gone, so the
    // transcripts of the long-lived sessions have reached their 10,000-line cap too
    const heapFull = heap.filter(([t, n]) => n >= 2 * P.maxMessages && t >= (minutes * 60_000) / 4);
    const heapFirstMb = heapFull.length ? heapFull[0][2] / 1024 : NaN;
    const heapLastMb = heapFull.length ? heapFull.at(-1)[2] / 1024 : NaN;
    const heapMaxMb = heapFull.length ? Math.max(...heapFull.map(([, , kb]) => kb)) / 1024 : NaN;
    const cpu = cpuSeconds(proc.pid) - cpu0;
    await sleep(200);
    const captured = await captureCheck(proc, sent);
    // RSS once the store is full (2 x max-messages in), first quarter of those samples vs last quarter
    const full = samples.filter(([t, n]) => n >= 2 * P.maxMessages && t >= (minutes * 60_000) / 8);
    const q = Math.max(1, Math.floor(full.length / 4));
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
    const firstQ = mean(full.slice(0, q).map(([, , kb]) => kb)) / 1024;
    const lastQ = mean(full.slice(-q).map(([, , kb]) => kb)) / 1024;
    const growthMb = full.length >= 4 ? lastQ - firstQ : NaN;
    return {
      system,
      workload: 'soak',
      minutes,
      targetRate: rate,
      achievedRate: sent / seconds,
      sent,
      errors,
      ...(lastError ? { lastError } : {}),
      cpuUsPerMsg: sent ? (cpu / sent) * 1e6 : NaN,
      rssFirstQuarterMb: firstQ,
      rssLastQuarterMb: lastQ,
      rssMaxMb: Math.max(...samples.map(([, , kb]) => kb)) / 1024,
      peakRssMb: memKb(proc.pid).hwm / 1024,
      growthMb,
      heapFirstMb,
      heapLastMb,
      heapMaxMb,
      heapGrowthMb: heapMaxMb - heapFirstMb,
      samples,
      heapSamples: heap,
      captured,
      ok: errors === 0 && captured.ok,
    };
  }
}

const PROFILE_REUSE = opt['profile-workload'] !== 'new';
if (!['new', 'reused'].includes(opt['profile-workload'])) fatal('--profile-workload must be new or reused');

async function profileRuns() {
  const dir = join(BENCH, 'results', 'profiles');
  mkdirSync(dir, { recursive: true });
  const out = {};
  for (const system of ['node-sink-nodelay', 'mockmx-default', 'mockmx-gmail', 'mockmx-rules-1000'].filter((s) => SYSTEMS.includes(s) || (s === 'mockmx-rules-1000' && WORKLOADS.includes('rules')))) {
    const sub = join(dir, system);
    rmSync(sub, { recursive: true, force: true });
    mkdirSync(sub, { recursive: true });
    const run = await withSystem(system, (proc) => smtpSourceRun(system, proc, { messages: P.messages, reuse: PROFILE_REUSE }), { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', sub] });
    const file = readdirSync(sub).find((f) => f.endsWith('.cpuprofile'));
    if (!file) {
      out[system] = { error: 'no profile written' };
      continue;
    }
    out[system] = { msgsPerSecUnderProfiler: run.msgsPerSec, file: relative(ROOT, join(sub, file)), ...summarizeProfile(JSON.parse(readFileSync(join(sub, file), 'utf8'))) };
  }
  return out;
}

function summarizeProfile(prof) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  for (const [id] of self) if (byId.get(id)?.callFrame.functionName === '(idle)') self.delete(id); // waiting, not working
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  const fn = new Map();
  const area = new Map();
  const where = (url) => {
    if (!url) return '(native/runtime)';
    const p = url.replace(/^file:\/\//, '');
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p);
    if (nm) return nm[1];
    if (p.startsWith('node:')) return 'node core';
    const rel = relative(ROOT, p);
    return rel.startsWith('..') ? p : rel.split('/').slice(0, 3).join('/');
  };
  for (const [id, us] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const file = cf.url ? relative(ROOT, cf.url.replace(/^file:\/\//, '')) : '';
    const key = `${cf.functionName || '(anonymous)'}  ${file ? `${file}:${cf.lineNumber + 1}` : ''}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const a = where(cf.url);
    area.set(a, (area.get(a) ?? 0) + us);
  }
  const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, us]) => ({ name, selfMs: us / 1000, pct: (100 * us) / total }));
  return { totalMs: total / 1000, topFunctions: top(fn, 15), byArea: top(area, 10) };
}

// --- reporting ---------------------------------------------------------------------------------------

function pad(cells, widths) {
  return cells.map((c, i) => (i === 0 || i === 1 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
}

function printTables(results) {
  const lines = [];
  const w = [8, 28, 7, 7, 9, 8, 8, 11, 10, 16];
  lines.push(pad(['workload', 'system', 'msgs', 'secs', 'msg/s', 'p50 ms', 'p99 ms', 'CPU µs/msg', 'peak MB', 'captured'], w));
  lines.push('-'.repeat(w.reduce((a, b) => a + b + 2, -2)));
  for (const r of results.runs) {
    if (r.workload === 'idle') continue;
    const cap = r.captured ? `${fmt(r.captured.accepted)}/${fmt(r.captured.sent)} ${r.captured.ok ? 'ok' : 'LOST'}` : '';
    lines.push(pad([r.workload, `${LABEL[r.system] ?? r.system}${r.ok ? '' : ' (!)'}`, fmt(r.delivered), fmt(r.seconds, 1), fmt(r.msgsPerSec, 0), fmt(r.p50Ms, 2), fmt(r.p99Ms, 2), fmt(r.cpuUsPerMsg, 0), fmt(r.peakRssMb, 0), cap], w));
  }
  const idle = results.runs.filter((r) => r.workload === 'idle');
  if (idle.length) {
    lines.push('');
    const wi = [8, 28, 11, 7, 9, 12, 9, 13, 16, 8];
    lines.push(pad(['idle', 'system', 'greeted', 'open s', 'RSS +MB', 'RSS kB/conn', 'heap +MB', 'heap kB/conn', 'normal session', 'peak MB'], wi));
    for (const r of idle) {
      lines.push(pad(['', LABEL[r.system] ?? r.system, `${fmt(r.greeted)}/${fmt(r.connections)}`, fmt(r.openSeconds, 1), fmt(r.rssDuringMb - r.rssBeforeMb, 1), fmt(r.kbPerConnection, 1), fmt(r.heapDuringMb - r.heapBeforeMb, 1), fmt(r.heapKbPerConnection, 1), r.normalSession.ok ? `ok ${fmt(r.normalSession.ms, 1)} ms` : `FAIL ${r.normalSession.error ?? ''}`.slice(0, 40), fmt(r.peakRssMb, 0)], wi));
    }
  }
  // ratios: mockmx / peer
  const peers = SYSTEMS.filter((s) => !isMockmx(s));
  const mine = SYSTEMS.filter(isMockmx);
  if (peers.length && mine.length) {
    lines.push('');
    lines.push('mockmx ÷ peer, same run (msg/s: higher is better; latency, CPU/msg and memory: lower is better)');
    const cw = peers.map((p) => Math.max(11, (LABEL[p] ?? p).length));
    const row = (first, cells) => `${first.padEnd(32)}${cells.map((c, i) => `  ${c.padStart(cw[i])}`).join('')}`;
    lines.push(row('', peers.map((p) => LABEL[p] ?? p)));
    for (const r of Object.values(results.ratios)) lines.push(row(r.label, peers.map((p) => (r.vs[p] === undefined ? '-' : `${fmt(r.vs[p], 2)}×`))));
  }
  return lines.join('\n');
}

function ratioTable(runs) {
  const find = (system, workload) => runs.find((r) => r.system === system && r.workload === workload);
  const peers = SYSTEMS.filter((s) => !isMockmx(s));
  const out = {};
  for (const m of SYSTEMS.filter(isMockmx)) {
    for (const [workload, metric, what] of [
      ['new', 'msgsPerSec', 'msg/s, new connection'],
      ['reused', 'msgsPerSec', 'msg/s, reused'],
      ['latency', 'msgsPerSec', 'msg/s, one session'],
      ['latency', 'p50Ms', 'p50 latency'],
      ['latency', 'p99Ms', 'p99 latency'],
      ['new', 'cpuUsPerMsg', 'CPU/msg, new connection'],
      ['reused', 'cpuUsPerMsg', 'CPU/msg, reused'],
      ['reused', 'peakRssMb', 'peak RSS, reused'],
      ['idle', 'kbPerConnection', 'RSS per idle conn'],
      ['idle', 'heapKbPerConnection', 'JS heap per idle conn'],
    ]) {
      const mr = find(m, workload);
      if (!mr || !Number.isFinite(mr[metric])) continue;
      const vs = {};
      for (const p of peers) {
        const pr = find(p, workload);
        if (pr && Number.isFinite(pr[metric]) && pr[metric] > 0 && pr.ok !== false) vs[p] = mr[metric] / pr[metric];
      }
      out[`${m}/${workload}/${metric}`] = { label: `${m.replace('mockmx-', '')}: ${what}`, system: m, workload, metric, vs };
    }
  }
  return out;
}

function checks(results) {
  const c = [];
  const find = (system, workload) => results.runs.find((r) => r.system === system && r.workload === workload);
  const ratioCheck = (name, system, workload, min) => {
    const m = find(system, workload);
    const s = find('smtp-sink', workload);
    if (!m || !s) return;
    const ratio = m.msgsPerSec / s.msgsPerSec;
    c.push({ name, target: `≥ ${min}× smtp-sink`, value: `${fmt(m.msgsPerSec)} vs ${fmt(s.msgsPerSec)} msg/s`, ratio, pass: m.ok && s.ok && ratio >= min, by: ratio >= min ? undefined : `${fmt((1 - ratio / min) * 100, 0)}% short (needs ${fmt(min * s.msgsPerSec)} msg/s)` });
  };
  ratioCheck('default, reused connections', 'mockmx-default', 'reused', 0.5);
  ratioCheck('default, new connection per message', 'mockmx-default', 'new', 0.3);
  ratioCheck('gmail, new connection per message', 'mockmx-gmail', 'new', 0.25);
  ratioCheck('gmail, reused connections', 'mockmx-gmail', 'reused', 0.25);
  if (results.big) {
    const b = results.big;
    c.push({ name: `${P.bigMb} MB message through ${P.bigScenario}`, target: 'peak memory grows < 64 MB', value: b.ok ? `+${fmt(b.growthMb, 1)} MB (resting ${fmt(b.rssBeforeMb, 0)} → peak ${fmt(b.hwmAfterMb, 0)} MB), ${fmt(b.mbPerSec, 1)} MB/s` : `failed: ${b.error}`, ratio: b.growthMb / 64, pass: b.ok && b.captured.ok && b.growthMb < 64, by: b.growthMb >= 64 ? `${fmt(b.growthMb - 64, 1)} MB over` : undefined });
  }
  for (const f of results.flat ?? []) {
    const allow = Math.max(4, 0.05 * f.heapBaseMb);
    const rss = find('mockmx-default', f.workload.replace('flat-', ''));
    const rf = rss && flatness(rss);
    c.push({
      name: `memory flat, ${fmt(f.messages)} msgs (${f.workload.replace('flat-', '')}), --max-messages ${P.maxMessages}`,
      target: `live heap after GC grows ≤ ${fmt(allow, 0)} MB after ${fmt(f.baseAt)} msgs`,
      value: f.ok ? `heap ${fmt(f.heapBaseMb, 1)} → peak ${fmt(f.heapPeakMb, 1)}, end ${fmt(f.heapEndMb, 1)} MB (${f.heapGrowthMb >= 0 ? '+' : ''}${fmt(f.heapGrowthMb, 1)} MB, ${fmt(f.heapSlopeKbPer1000, 0)} kB/1,000 msgs); RSS ${fmt(f.rssBaseMb, 0)} → ${fmt(f.rssEndMb, 0)} MB${rf ? ` (throughput run: RSS ${fmt(rf.firstHalfPeakMb, 0)} → ${fmt(rf.secondHalfPeakMb, 0)} MB)` : ''}` : `failed: ${f.error ?? 'no samples'}`,
      pass: f.ok && f.heapGrowthMb <= allow,
      by: f.heapGrowthMb > allow ? `${fmt(f.heapGrowthMb - allow, 1)} MB over` : undefined,
    });
  }
  if (results.rules) {
    const r = results.rules;
    c.push({ name: '1,000 rules vs 10 rules (reused)', target: 'throughput cost < 10%', value: `${fmt(r.msgsPerSec1000)} vs ${fmt(r.msgsPerSec10)} msg/s (CPU/msg ${fmt(r.cpuUsPerMsg1000)} vs ${fmt(r.cpuUsPerMsg10)} µs, ${r.cpuCost >= 0 ? '+' : ''}${fmt(r.cpuCost * 100, 1)}%)`, ratio: r.msgsPerSec1000 / r.msgsPerSec10, pass: r.ok && r.throughputCost < 0.1, by: r.throughputCost >= 0.1 ? `costs ${fmt(r.throughputCost * 100, 1)}%` : undefined });
  }
  const mockRuns = [...results.runs.filter((r) => isMockmx(r.system)), ...(results.rules ? Object.values(results.rules.runs).flat() : []), ...(results.flat ?? []), ...(results.soak ? [results.soak] : []), ...(results.big ? [results.big] : [])];
  const lost = mockRuns.filter((r) => r.captured && !r.captured.ok);
  if (mockRuns.length) c.push({ name: 'every accepted message captured', target: 'mockmx_messages_accepted_total = messages the client got 250 for; store holds min(n, max)', value: `${mockRuns.length - lost.length}/${mockRuns.length} mockmx runs`, pass: lost.length === 0, by: lost.length ? lost.map((r) => `${r.system}/${r.workload}: ${r.captured.accepted ?? '?'} of ${r.captured.sent}`).join('; ') : undefined });
  const idle = results.runs.filter((r) => r.workload === 'idle' && isMockmx(r.system));
  for (const r of idle) c.push({ name: `${fmt(r.connections)} idle connections, ${r.system}`, target: 'all greeted; a normal session completes', value: `${r.greeted}/${r.connections} greeted, ${fmt(r.kbPerConnection, 1)} kB each; session ${r.normalSession.ok ? `ok in ${fmt(r.normalSession.ms, 1)} ms` : `failed: ${r.normalSession.error}`}`, pass: r.ok, by: r.ok ? undefined : 'see value' });
  if (results.soak) {
    const s = results.soak;
    const allowRss = Math.max(8, 0.05 * s.rssFirstQuarterMb);
    const allowHeap = Math.max(4, 0.05 * s.heapFirstMb);
    const pass = s.ok && s.growthMb <= allowRss && s.heapGrowthMb <= allowHeap;
    c.push({ name: `soak ${fmt(s.minutes, 1)} min at ${fmt(s.targetRate)} msg/s`, target: `after the store fills: RSS growth ≤ ${fmt(allowRss, 0)} MB, live heap growth ≤ ${fmt(allowHeap, 0)} MB`, value: `RSS ${fmt(s.rssFirstQuarterMb, 0)} → ${fmt(s.rssLastQuarterMb, 0)} MB (${fmt(s.growthMb, 1)} MB, max ${fmt(s.rssMaxMb, 0)}), heap ${fmt(s.heapFirstMb, 1)} → ${fmt(s.heapLastMb, 1)} MB (max ${fmt(s.heapMaxMb, 1)}), ${fmt(s.sent)} msgs at ${fmt(s.achievedRate)} msg/s, ${s.errors} errors${s.lastError ? ` (${s.lastError})` : ''}`, pass, by: pass ? undefined : `RSS ${fmt(s.growthMb - allowRss, 1)} MB / heap ${fmt(s.heapGrowthMb - allowHeap, 1)} MB against the allowance` });
  }
  return c;
}

// --- main ------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  if (process.platform !== 'linux' || !existsSync('/proc/self/stat')) fatal('needs Linux /proc');
  ensurePostfix();
  build();
  tmp = mkdtempSync(join(os.tmpdir(), 'mockmx-bench-'));
  const raisedRates = writeScenarios();
  ensureExtras();
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  const results = {
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    startedAt: new Date(started).toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAvgAtStart: os.loadavg() },
    commit: `${commit}${dirty ? '+dirty' : ''}`,
    params: P,
    systems: Object.fromEntries(SYSTEMS.map((s) => [s, LABEL[s] ?? s])),
    notes: [
      (SYSTEMS.includes('mockmx-gmail') || WORKLOADS.includes('big')) && `mockmx-gmail runs scenarios/gmail.yaml with its ${raisedRates} rate: limits raised to 1e9 and maxConnections 2000: the shipped file answers one client IP without TLS with 421 4.7.29 after 100 messages an hour, as Gmail does. Every rule and content check still runs.${P.bigScenario === 'gmail' ? ` The ${P.bigMb} MB message goes through the shipped gmail file unchanged.` : ''}`,
      (WORKLOADS.includes('new') || WORKLOADS.includes('reused')) && `smtp-source sends with -N (a new recipient per message) from sender@example.com, HELO client.example.com, to every system alike.`,
      SYSTEMS.includes('node-sink') && WORKLOADS.includes('new') && P.messages > P.stockCap ? `the stock smtp-server sink's new-connection run sends ${P.stockCap} messages: its 100 ms greeting pause caps it at ${P.sessions / 0.1} msg/s.` : undefined,
      WORKLOADS.includes('idle') && `idle "RSS +MB" is the resident-memory growth seen by the OS; a Node process that already has free heap shows less than its objects take.`,
    ].filter(Boolean),
    runs: [],
  };
  log(`bench: ${Q ? 'QUICK' : 'full'} run: ${SYSTEMS.join(', ')}; ${P.sessions} sessions × ${P.messages} msgs × ${P.size} B; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const workload of ['new', 'reused'].filter((w) => WORKLOADS.includes(w))) {
    log(`bench: ${workload === 'new' ? 'new connection per message' : 'connections reused (-d)'}`);
    results.runs.push(...(await throughput(workload, SYSTEMS)));
  }
  if (WORKLOADS.includes('latency')) {
    log(`bench: latency, one session, ${P.latencyMessages} messages`);
    for (const system of SYSTEMS) {
      let run;
      try {
        run = await withSystem(system, (proc) => latencyRun(system, proc));
      } catch (e) {
        run = { system, workload: 'latency', ok: false, error: String(e.message ?? e) };
      }
      log(`  latency ${system.padEnd(18)}: p50 ${fmt(run.p50Ms, 2)} ms, p99 ${fmt(run.p99Ms, 2)} ms${run.error ? `  ERROR ${run.error}` : ''}`);
      results.runs.push(run);
    }
  }
  if (WORKLOADS.includes('idle')) {
    log(`bench: ${P.idle} idle connections`);
    for (const system of SYSTEMS) {
      let run;
      try {
        run = await withSystem(system, (proc) => idleRun(system, proc), { inspect: true });
      } catch (e) {
        run = { system, workload: 'idle', connections: P.idle, ok: false, error: String(e.message ?? e), normalSession: { ok: false, error: String(e.message ?? e) } };
      }
      log(`  idle    ${system.padEnd(18)}: ${run.greeted ?? 0}/${P.idle} greeted, ${fmt(run.kbPerConnection, 1)} kB/conn, normal session ${run.normalSession.ok ? 'ok' : `FAILED ${run.normalSession.error}`}`);
      results.runs.push(run);
    }
  }
  if (WORKLOADS.includes('rules')) {
    log('bench: 10 rules vs 1,000 rules (reused connections)');
    results.rules = await rulesRuns();
  }
  if (WORKLOADS.includes('big')) {
    log(`bench: one ${P.bigMb} MB message through the shipped gmail scenario`);
    try {
      results.big = await bigRun();
    } catch (e) {
      results.big = { ok: false, error: String(e.message ?? e), growthMb: NaN, captured: { ok: false } };
    }
    log(`  big: +${fmt(results.big.growthMb, 1)} MB peak over resting RSS, ${fmt(results.big.seconds, 1)} s${results.big.error ? `  ERROR ${results.big.error}` : ''}`);
  }
  if (WORKLOADS.includes('flat')) {
    results.flat = [];
    for (const reuse of [false, true]) {
      log(`bench: memory flat: ${P.messages} messages (${reuse ? 'reused' : 'new connection'}), live heap after a forced GC every ${Math.max(100, Math.round(P.messages / 20))}`);
      let f;
      try {
        f = await flatRun(reuse);
      } catch (e) {
        f = { system: 'mockmx-default', workload: reuse ? 'flat-reused' : 'flat-new', messages: P.messages, ok: false, error: String(e.message ?? e) };
      }
      log(`  flat: heap ${fmt(f.heapBaseMb, 1)} MB at ${fmt(f.baseAt)} msgs → peak ${fmt(f.heapPeakMb, 1)} MB, end ${fmt(f.heapEndMb, 1)} MB${f.error ? `  ERROR ${f.error}` : ''}`);
      results.flat.push(f);
    }
  }
  if (WORKLOADS.includes('shared')) {
    log('bench: shared state: 1 instance with memory state vs 2 instances sharing a private redis-server (reused connections)');
    try {
      results.shared = await sharedRuns();
    } catch (e) {
      results.shared = [{ workload: 'shared', ok: false, error: String(e.message ?? e) }];
    }
  }
  if (opt.profile) {
    log(`bench: CPU profiles (${PROFILE_REUSE ? 'reused' : 'new'} workload under node --cpu-prof)`);
    results.profiles = await profileRuns();
  }
  if (P.soakMinutes > 0) {
    let rate = P.soakRate;
    if (!rate) {
      let peak = results.runs.find((r) => r.system === 'mockmx-default' && r.workload === 'reused')?.msgsPerSec;
      if (!peak) {
        log('bench: measuring the peak for the soak (reused, 5,000 messages)');
        peak = (await withSystem('mockmx-default', (proc) => smtpSourceRun('mockmx-default', proc, { messages: 5000, reuse: true }))).msgsPerSec;
      }
      rate = Math.max(1, Math.round(peak / 2));
    }
    log(`bench: soak, ${P.soakMinutes} min at ${rate} msg/s`);
    results.soak = await soak(rate, P.soakMinutes);
  }
  results.ratios = ratioTable(results.runs);
  results.checks = checks(results);
  results.seconds = (Date.now() - started) / 1000;
  results.machine.loadAvgAtEnd = os.loadavg();

  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(results, (k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v), 2)}\n`);

  const text = [];
  text.push('');
  text.push(`mockmx bench: ${results.command}  (${results.commit}, ${results.machine.cpus} × ${results.machine.model}, node ${process.version}${Q ? ', QUICK: not the target workload' : ''})`);
  text.push(`${P.sessions} sessions × ${fmt(P.messages)} messages × ${fmt(P.size)} B payload; latency: 1 session × ${fmt(P.latencyMessages)}; idle: ${fmt(P.idle)} connections; median of ${P.reps}`);
  text.push('');
  text.push(printTables(results));
  if (results.rules) {
    const r = results.rules;
    text.push('');
    text.push(`rules: 10 rules ${fmt(r.msgsPerSec10)} msg/s (${fmt(r.cpuUsPerMsg10)} µs CPU/msg), 1,000 rules ${fmt(r.msgsPerSec1000)} msg/s (${fmt(r.cpuUsPerMsg1000)} µs CPU/msg), median of ${P.ruleReps} alternating`);
  }
  if (results.shared) {
    text.push('');
    text.push(`shared state (${fmt(P.messages)} messages to one recipient, a rate window per recipient; cost = CPU of mockmx${results.shared.length > 1 ? ' and redis-server' : ''} per message):`);
    for (const r of results.shared) text.push(`  ${String(r.system).padEnd(22)} ${fmt(r.msgsPerSec)} msg/s, ${fmt(r.cpuUsPerMsg)} µs CPU/msg${r.error ? `  ERROR ${r.error}` : ''}`);
  }
  if (results.profiles) {
    for (const [system, p] of Object.entries(results.profiles)) {
      text.push('');
      if (p.error) {
        text.push(`profile ${system}: ${p.error}`);
        continue;
      }
      text.push(`profile ${system} (${PROFILE_REUSE ? 'reused' : 'new connection per message'}, ${fmt(p.msgsPerSecUnderProfiler)} msg/s under the profiler, ${fmt(p.totalMs)} ms busy incl. start-up; ${p.file}): self time by area`);
      text.push(`  ${p.byArea.map((a) => `${a.name} ${fmt(a.pct, 1)}%`).join(', ')}`);
      for (const f of p.topFunctions) text.push(`  ${fmt(f.pct, 1).padStart(5)}%  ${fmt(f.selfMs).padStart(6)} ms  ${f.name}`);
    }
  }
  text.push('');
  text.push('targets');
  for (const k of results.checks) {
    text.push(`  ${k.pass ? 'PASS' : 'MISS'}  ${k.name}: ${k.value}${k.ratio !== undefined && Number.isFinite(k.ratio) && /×/.test(k.target) ? ` = ${fmt(k.ratio, 2)}×` : ''}  [target ${k.target}]${k.by ? `  — ${k.by}` : ''}`);
  }
  for (const n of results.notes) text.push(`note: ${n}`);
  text.push('');
  text.push(`wrote ${relative(ROOT, OUT)} in ${fmt(results.seconds, 0)} s`);
  process.stdout.write(`${text.join('\n')}\n`);
}

main().then(
  () => {
    cleanupSync();
  },
  (e) => {
    process.stderr.write(`bench: ${e.stack ?? e}\n`);
    cleanupSync();
    process.exit(1);
  },
);
