/**
 * Real SMTP clients against an in-process mockmx: swaks (Perl, Net::SSLeay for STARTTLS) and
 * curl (libcurl's SMTP). These are required tools (CI installs them, see .ci/run): a missing
 * one fails the suite instead of skipping it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/store/sessions.js';
import { run, which } from '../helpers/clients.js';
import { serve } from '../helpers/server.js';

const transcriptText = (r: SessionRecord) => r.transcript.map((l) => `${l.direction} ${l.text}`);

/** The one session the server recorded. The client has exited, so the server has seen it end (or will). */
function onlySession(server: Awaited<ReturnType<typeof serve>>): SessionRecord {
  const list = server.sessions.list();
  expect(list).toHaveLength(1);
  return list[0]!;
}

let SWAKS: string | undefined;
let CURL: string | undefined;
let dir: string;

beforeAll(() => {
  SWAKS = which('swaks');
  CURL = which('curl');
  dir = mkdtempSync(join(tmpdir(), 'mockmx-e2e-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('has the external clients installed', async () => {
  expect(which('swaks'), 'install swaks (apt-get install swaks libnet-ssleay-perl)').toBeTruthy();
  expect(which('curl'), 'install curl (apt-get install curl)').toBeTruthy();
  // swaks --tls needs Net::SSLeay; without it swaks exits 10
  const perl = which('perl');
  expect(perl, 'install perl').toBeTruthy();
  const ssl = await run(perl!, ['-MNet::SSLeay', '-e1']);
  expect(ssl.code, 'install libnet-ssleay-perl (swaks needs it for --tls)').toBe(0);
});

// ---------------------------------------------------------------------------------------------

describe('swaks', () => {
  const AUTH_YAML = `
name: swaks-auth
server:
  auth:
    mechanisms: [PLAIN, LOGIN]
    users: [{ user: u, password: p }]
`;
  const swaksArgs = (port: number, extra: string[]) => [
    '--server', '127.0.0.1',
    '--port', String(port),
    '--helo', 'swaks.client.test',
    '--to', 'bob@example.test',
    '--from', 'alice@example.test',
    '--timeout', '10',
    ...extra,
  ];

  it('delivers over STARTTLS with AUTH PLAIN', async () => {
    expect(SWAKS, 'install swaks (apt-get install swaks libnet-ssleay-perl)').toBeTruthy();
    const server = await serve(AUTH_YAML);
    const r = await run(SWAKS!, swaksArgs(server.smtp.port, ['--tls', '--auth', 'PLAIN', '--auth-user', 'u', '--auth-password', 'p']));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^<~ {2}235 2\.7\.0 Authentication successful$/m);
    expect(r.stdout).toMatch(/^<~ {2}250 2\.0\.0 OK: queued as \w+$/m);

    const list = await server.messages.list();
    expect(list).toHaveLength(1);
    const msg = list[0]!;
    expect(msg.envelope).toEqual({ mailFrom: 'alice@example.test', rcptTo: ['bob@example.test'] });
    expect(msg.raw.toString()).toMatch(/^Subject: test /m);
    const record = server.sessions.get(msg.sessionId)!;
    expect(record.tls).toBe(true);
    expect(record.authUser).toBe('u');
    expect(transcriptText(record)).toContain('in STARTTLS');
    expect(server.errors).toEqual([]);
  });

  it('fails with a wrong password: exit 28, and 535 on the wire and in the transcript', async () => {
    expect(SWAKS, 'install swaks (apt-get install swaks libnet-ssleay-perl)').toBeTruthy();
    const server = await serve(AUTH_YAML);
    const r = await run(SWAKS!, swaksArgs(server.smtp.port, ['--tls', '--auth', 'PLAIN', '--auth-user', 'u', '--auth-password', 'wrong']));
    expect(r.code, r.stdout + r.stderr).toBe(28);
    expect(r.stdout).toMatch(/^<~\* 535 5\.7\.8 Error: Authentication credentials invalid$/m);
    expect(await server.messages.count()).toBe(0);
    const record = onlySession(server);
    expect(transcriptText(record)).toContain('out 535 5.7.8 Error: Authentication credentials invalid');
    expect(record.authUser).toBeUndefined();
  });

  it('prints a rule-driven multi-line RCPT rejection line for line (exit 24)', async () => {
    expect(SWAKS, 'install swaks (apt-get install swaks libnet-ssleay-perl)').toBeTruthy();
    const server = await serve(`
name: swaks-dmarc
rules:
  - id: dmarc
    when: { rcpt: "bob@*" }
    then:
      reply:
        code: 550
        enhanced: 5.7.26
        text:
          - "Unauthenticated email from example.test is not accepted due to domain's"
          - "DMARC policy. Please contact the administrator of example.test domain."
`);
    const r = await run(SWAKS!, swaksArgs(server.smtp.port, []));
    expect(r.code, r.stdout + r.stderr).toBe(24);
    expect(r.stdout).toContain("<** 550-5.7.26 Unauthenticated email from example.test is not accepted due to domain's\n");
    expect(r.stdout).toContain('<** 550 5.7.26 DMARC policy. Please contact the administrator of example.test domain.\n');
    expect(await server.messages.count()).toBe(0);
    const record = onlySession(server);
    expect(record.transcript.filter((l) => l.rule === 'dmarc').map((l) => l.text)).toEqual([
      "550-5.7.26 Unauthenticated email from example.test is not accepted due to domain's",
      '550 5.7.26 DMARC policy. Please contact the administrator of example.test domain.',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('curl', () => {
  const body = 'From: a@example.test\r\nTo: b@example.test\r\nSubject: via curl\r\n\r\nHello from curl.\r\n.leading dot line\r\n';
  let uploads = 0;
  const upload = () => {
    const file = join(dir, `upload-${++uploads}.eml`);
    writeFileSync(file, body);
    return file;
  };
  const curlArgs = (port: number, extra: string[] = []) => [
    '-s', '-S',
    '--max-time', '10',
    `smtp://127.0.0.1:${port}/curl.client.test`,
    '--mail-from', 'a@example.test',
    '--mail-rcpt', 'b@example.test',
    '--upload-file', upload(),
    ...extra,
  ];

  it('delivers the uploaded file byte for byte', async () => {
    expect(CURL, 'install curl (apt-get install curl)').toBeTruthy();
    const server = await serve('default');
    const r = await run(CURL!, curlArgs(server.smtp.port));
    expect(r.code, r.stderr).toBe(0);
    const list = await server.messages.list();
    expect(list).toHaveLength(1);
    expect(list[0]!.envelope).toEqual({ mailFrom: 'a@example.test', rcptTo: ['b@example.test'] });
    // curl dot-stuffs the line starting with a dot; mockmx un-stuffs it
    expect(list[0]!.raw.toString()).toBe(body);
    expect(server.sessions.get(list[0]!.sessionId)!.tls).toBe(false);
  });

  it('delivers over STARTTLS with --ssl-reqd', async () => {
    expect(CURL, 'install curl (apt-get install curl)').toBeTruthy();
    const server = await serve('default');
    const r = await run(CURL!, curlArgs(server.smtp.port, ['--ssl-reqd', '-k']));
    expect(r.code, r.stderr).toBe(0);
    const list = await server.messages.list();
    expect(list).toHaveLength(1);
    expect(list[0]!.raw.toString()).toBe(body);
    const record = server.sessions.get(list[0]!.sessionId)!;
    expect(record.tls).toBe(true);
    expect(transcriptText(record)).toContain('in STARTTLS');
  });

  it('--ssl-reqd fails when the scenario offers no STARTTLS', async () => {
    expect(CURL, 'install curl (apt-get install curl)').toBeTruthy();
    const server = await serve(`
name: no-tls
server:
  tls: { starttls: off }
`);
    const r = await run(CURL!, curlArgs(server.smtp.port, ['--ssl-reqd', '-k']));
    expect(r.code, r.stderr).toBe(64); // CURLE_USE_SSL_FAILED
    expect(await server.messages.count()).toBe(0);
  });

  it('exits non-zero when a rule rejects the recipient', async () => {
    expect(CURL, 'install curl (apt-get install curl)').toBeTruthy();
    const server = await serve(`
name: curl-reject
rules:
  - id: no-b
    when: { rcpt: "b@*" }
    then: { reply: "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown" }
`);
    const r = await run(CURL!, curlArgs(server.smtp.port));
    expect(r.code, r.stderr).toBe(55); // CURLE_SEND_ERROR: "RCPT failed: 550"
    expect(r.stderr).toContain('550');
    expect(await server.messages.count()).toBe(0);
    const record = onlySession(server);
    expect(record.transcript.find((l) => l.rule === 'no-b')?.text).toBe('550 5.1.1 <b@example.test>: Recipient address rejected: User unknown');
  });

  it('exits non-zero when a rule rejects the message after DATA', async () => {
    expect(CURL, 'install curl (apt-get install curl)').toBeTruthy();
    const server = await serve(`
name: curl-reject-message
rules:
  - id: no-curl-mail
    when: { subject: "via curl" }
    then: { reply: "554 5.7.1 Message rejected" }
`);
    const r = await run(CURL!, curlArgs(server.smtp.port));
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.code, r.stderr).toBe(8); // CURLE_WEIRD_SERVER_REPLY: the final reply was an error
    expect(await server.messages.count()).toBe(0);
  });
});
