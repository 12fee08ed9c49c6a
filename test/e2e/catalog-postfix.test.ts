/**
 * A real MTA agrees with the catalog (issue 15, item 5): every entry of every provider, sent
 * through a private Postfix relaying to mockmx and triggered by its magic recipient, is
 * bounced (5xx) or deferred (4xx) with Postfix's `dsn=` equal to the entry's enhanced code and
 * the reply Postfix logs equal to the lines mockmx sent (Postfix joins a multi-line reply's
 * lines with single spaces, each keeping its `550-5.7.1 ` prefix). Entries a provider reports
 * after accepting the message are delivered, and mockmx's bounce reaches the sender's mailbox
 * with the entry's status. The file walks the registry, so a new entry is covered by itself.
 *
 * One Postfix and one mockmx for all entries: every message is submitted at once, then the
 * maillog and the mailbox are polled with a deadline. Needs root and Debian's `postfix` (CI
 * installs it, see .ci/run): missing in CI it fails, locally it skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/app.js';
import { CATALOG, type CatalogEntry } from '../../src/catalog/index.js';
import type { MockMxServer } from '../../src/server/types.js';
import { selfSignedCertificate } from '../../src/smtp/tls.js';
import { HARNESS_DOMAIN, requirePostfix, startPostfix, type Bounce, type DeliveryLine, type PostfixSender } from '../helpers/postfix.js';
import { eventually, scenario } from '../helpers/server.js';

const SENDER = `alice@${HARNESS_DOMAIN}`;
const DEADLINE = 20_000;

/** An SMTP reply entry's magic recipient; an after-acceptance entry's `+bounce` one (accept, then bounce). */
const recipient = (e: CatalogEntry) => `${e.id}${e.afterAcceptance ? '+bounce' : ''}@example.net`;

/**
 * The `dsn=` Postfix logs for an entry: its enhanced code; without one (GoDaddy's IB replies)
 * Postfix makes X.0.0 from the reply code's class, as it does for any code it finds none in.
 */
const expectedDsn = (e: CatalogEntry) => (e.enhanced && e.enhanced[0] === String(e.code)[0] ? e.enhanced : `${String(e.code)[0]}.0.0`);

/**
 * The command Postfix names in `(in reply to … command)`: where the magic recipient answers.
 * Entries of connect, HELO, STARTTLS, AUTH and MAIL are replayed at RCPT, so Postfix names RCPT
 * TO for them (a greeting refusal would read `refused to talk to me`): the code, enhanced code
 * and text it logs are still the entry's, which is what this file checks.
 */
const expectedCommand = (e: CatalogEntry) => (e.stage === 'message' ? 'end of DATA' : e.stage === 'data' ? 'DATA' : 'RCPT TO');

let server: MockMxServer | undefined;
let postfix: PostfixSender | undefined;
const queueIds = new Map<string, string>();
/** Each entry's first delivery line in the maillog. */
const firstLine = new Map<string, DeliveryLine>();
/** mockmx's DSN for each after-acceptance entry, as delivered to the sender's mailbox. */
const notices = new Map<string, Bounce>();

/** Every reply mockmx sent for an entry, over all sessions, its lines joined the way Postfix logs them. */
function repliesSent(e: CatalogEntry): string[] {
  const replies: string[] = [];
  for (const session of server!.sessions.list()) {
    let lines: string[] = [];
    for (const l of session.transcript) {
      if (l.direction !== 'out' || l.rule !== `magic:${e.id}` || l.code !== e.code) continue;
      lines.push(l.text);
      if (!l.more) {
        replies.push(lines.join(' '));
        lines = [];
      }
    }
  }
  return replies;
}

describe.skipIf(!requirePostfix())('every catalog entry through a real Postfix', () => {
  beforeAll(async () => {
    server = await startServer({ smtpPort: 0, seed: 42, tls: await selfSignedCertificate('mockmx.test') });
    // no retries while the test runs: the first attempt already logs status=deferred, and a
    // retry would only add sessions (and fresh Gmail tokens) to tell apart
    // and no cached connections: each entry gets a session of its own, as a refusal that voids the
    // greeting or the session would otherwise be met by the next message's MAIL
    postfix = await startPostfix({
      relayPort: server.smtp.port,
      tls: 'none',
      backoff: { min: 300, max: 600, queueRunDelay: 300 },
      settings: { smtp_connection_cache_on_demand: 'no' },
    });
    server.useScenario(scenario(`name: catalog-postfix\nserver: { bounceTo: "127.0.0.1:${postfix.submitPort}" }\n`));

    const ids = await postfix.submitAll(CATALOG.map((e) => ({ from: SENDER, to: [recipient(e)], subject: e.id })));
    CATALOG.forEach((e, i) => {
      if (ids[i]) queueIds.set(e.id, ids[i]!);
    });
    const byQueueId = new Map([...queueIds].map(([id, q]) => [q, id]));
    await eventually(() => {
      for (const line of postfix!.deliveryLines()) {
        const id = byQueueId.get(line.queueId);
        if (id && !firstLine.has(id)) firstLine.set(id, line);
      }
      return firstLine.size === queueIds.size ? true : undefined;
    }, DEADLINE).catch(() => undefined /* each entry's own test says what is missing */);
    const after = CATALOG.filter((e) => e.afterAcceptance);
    await eventually(() => {
      for (const b of postfix!.bounces(SENDER)) {
        const e = after.find((x) => b.recipients.some((r) => r.recipient === recipient(x)));
        if (e) notices.set(e.id, b);
      }
      return notices.size === after.length ? true : undefined;
    }, DEADLINE).catch(() => undefined);
  }, 60_000);

  afterAll(async () => {
    // Postfix first, so it does not retry into a closed port
    await postfix?.stop();
    await server?.close(0);
  });

  it('covers the whole registry, SMTP replies and after-acceptance bounces alike', () => {
    expect(CATALOG.filter((e) => !e.afterAcceptance).length).toBeGreaterThan(100);
    expect(CATALOG.filter((e) => e.afterAcceptance).length).toBeGreaterThan(0);
    expect([...queueIds.keys()]).toEqual(CATALOG.map((e) => e.id));
  });

  it.each(CATALOG.filter((e) => !e.afterAcceptance).map((e) => [e.id, e] as const))('%s', (id, e) => {
    const line = firstLine.get(id);
    expect(line, `no delivery line for ${id} (queue id ${queueIds.get(id)}) within ${DEADLINE} ms`).toBeDefined();
    expect({ status: line!.status, dsn: line!.dsn, command: line!.command }).toEqual({ status: e.code >= 500 ? 'bounced' : 'deferred', dsn: expectedDsn(e), command: expectedCommand(e) });
    // the reply Postfix logs is one that mockmx sent for this entry, byte for byte
    const sent = repliesSent(e);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent).toContain(line!.reply);
  });

  it.each(CATALOG.filter((e) => e.afterAcceptance).map((e) => [e.id, e] as const))('%s (after acceptance)', (id, e) => {
    expect(firstLine.get(id), `no delivery line for ${id}`).toMatchObject({ status: 'sent', dsn: '2.0.0' });
    const dsn = notices.get(id);
    expect(dsn, `mockmx's DSN for ${id} did not reach ${SENDER} within ${DEADLINE} ms`).toBeDefined();
    expect(dsn!.recipients).toEqual([expect.objectContaining({ recipient: recipient(e), action: 'failed', status: e.enhanced })]);
  });
});
