/**
 * The stages smtp-server hands to hooks (connect, MAIL, RCPT, AUTH, the message after the final dot):
 * each turns the hook's arguments into facts, lets the engine decide through the connection,
 * and answers through the hook's callback. The other half of MockConnection, kept apart so
 * each file holds one concern: this one the hooked stages, connection.ts the wire.
 */
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerDataStream } from 'smtp-server';
import { authChecks } from '../auth/memo.js';
import { AUTH_OK_REPLY, magicLater, RULE_ERROR_REPLY } from '../engine/policy.js';
import { isPositive, type Reply } from '../engine/reply.js';
import type { MessageBody, Received } from '../spool/body.js';
import type { MockConnection } from './connection.js';
import { failure, type ErrCallback } from './outcome.js';
import { credentialsMatch } from './credentials.js';
import { catalogEntries } from './entries.js';
import { finalDot, SESSION_CLOSED, type FinalDotSteps } from './final-dot.js';
import { receiveMessage } from './message.js';
import { NO_OUTCOME } from './outcome.js';
import { noticeRequests, type NoticeJob } from './notices.js';
import { messageWireNow, readMessageWire, type MessageWire } from './message-wire.js';
import type { NoticeRequest } from '../outbound/queue.js';
import { messagePlaceholders } from './values.js';
import { wireLines } from './write.js';

export function onConnectStage(c: MockConnection, cb: ErrCallback): void {
  const run = () =>
    c.answer('connect', () => c.facts('connect', {}), {
      normal: () => cb(),
      accept: () => cb(),
      reply: (r, rule) => {
        if (!isPositive(r)) return c.viaCallback(cb, r, rule);
        c.greeting = { reply: r, ...(rule ? { rule } : {}) };
        cb();
      },
    });
  const scenario = c.rt.scenario();
  const start = () => (scenario.server.greetDelayMs > 0 ? c.after(scenario.server.greetDelayMs, run) : run());
  if (!scenario.authNeeds.ptr) return start();
  // the greeting waits for reverse DNS, as a real MX's does (answered from the scenario)
  whilePending(c, authChecks(scenario.zone).ptr(c.remoteAddress), 'reverse DNS', (ptr) => {
    c.ptrFacts = ptr;
    c.note('dns', `reverse DNS: ${ptr.result}${ptr.name ? ` (${ptr.name})` : ''}`);
  }).then(() => c.guard('connect', start));
}

/** Waits for a lookup without the idle timeout firing; a failure is reported and the session goes on without it. */
async function whilePending<T>(c: MockConnection, lookup: Promise<T>, context: string, use: (value: T) => void): Promise<void> {
  const wasPending = c._handlerPending;
  c._handlerPending = true;
  try {
    use(await lookup);
  } catch (err) {
    c.rt.reportError(err, context);
  } finally {
    c._handlerPending = wasPending;
  }
}

export function onMailStage(c: MockConnection, address: SMTPServerAddress, cb: ErrCallback): void {
  c.spfFacts = undefined;
  const scenario = c.rt.scenario();
  if (!scenario.authNeeds.spf) return mailDecision(c, address, cb);
  const query = { sender: address.address, ip: c.remoteAddress, helo: c.hostNameAppearsAs || '', mta: scenario.server.hostname };
  authChecks(scenario.zone)
    .spf(query)
    .then(
      (result) => {
        c.spfFacts = result;
        c.note('dns', `SPF ${result.result} for ${result.domain || '(no domain)'}`);
        c.guard('mail', () => mailDecision(c, address, cb));
      },
      (err: unknown) => {
        c.rt.reportError(err, 'SPF');
        c.viaCallback(cb, RULE_ERROR_REPLY, 'error');
      },
    );
}

function mailDecision(c: MockConnection, address: SMTPServerAddress, cb: ErrCallback): void {
  const declared = Number((address.args as Record<string, unknown> | false | undefined)?.['SIZE' as never]);
  const command = { verb: 'MAIL', arg: `FROM:<${address.address}>`, line: `MAIL FROM:<${address.address}>` };
  const envelope = { mailFrom: address.address, rcptTo: [], ...(Number.isFinite(declared) ? { declaredSize: declared } : {}) };
  c.answer('mail', () => c.facts('mail', { command, envelope }), { normal: () => cb(), accept: () => cb(), reply: (r, rule) => c.viaCallback(cb, r, rule) });
}

export function onRcptStage(c: MockConnection, address: SMTPServerAddress, cb: ErrCallback): void {
  const rcpt = address.address;
  c.answering.rcpt = rcpt;
  const finish: ErrCallback = (err) => {
    cb(err);
    c.answering.rcpt = undefined;
  };
  // at RCPT the envelope the engine sees includes the recipient being added
  const facts = () => c.facts('rcpt', { rcpt, command: { verb: 'RCPT', arg: `TO:<${rcpt}>`, line: `RCPT TO:<${rcpt}>` }, envelope: c.envelopeFacts(rcpt) });
  c.answer('rcpt', facts, {
    normal: () => finish(),
    accept: () => finish(),
    reply: (r, rule) => c.viaCallback(finish, r, rule),
    notice: (notice, rule) => {
      noticeFor(c, rcpt, { notice, ...(rule ? { rule } : {}) });
      finish();
    },
  });
}

/** Remembers a notice for one recipient of this transaction, sent once the message is kept. */
function noticeFor(c: MockConnection, rcpt: string, job: NoticeJob): void {
  const envelope = c.session.envelope;
  const map = c.notices.get(envelope) ?? new Map<string, NoticeJob>();
  map.set(rcpt.toLowerCase(), job);
  c.notices.set(envelope, map);
  c.note('notice', `${job.notice.kind === 'auto-reply' ? 'auto-reply' : `${job.notice.kind} notice`} for <${rcpt}> after ${job.notice.afterMs} ms`, job.rule);
}

export function onAuthStage(c: MockConnection, auth: SMTPServerAuthentication, cb: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void): void {
  const users = c.rt.scenario().server.auth.users;
  const valid = users.length === 0 || users.some((u) => credentialsMatch(u, auth));
  const user = auth.username ?? '';
  const succeed = () => {
    c.authMechanism = auth.method;
    c.log.update({ authUser: user });
    cb(null, { user });
  };
  c.answer('auth', () => c.facts('auth', { auth: { user, mechanism: auth.method, valid } }), {
    normal: () => {
      if (valid) return succeed();
      // no rule or wording for a failed login: smtp-server's own answer (XOAUTH2's is a JSON challenge)
      if (auth.method === 'XOAUTH2') return cb(null, { data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' } });
      cb(null, {});
    },
    accept: (rule) => {
      if (rule) c.pending = { reply: AUTH_OK_REPLY, rule };
      succeed();
    },
    reply: (r, rule) => {
      c.pending = { reply: r, ...(rule ? { rule } : {}) };
      if (isPositive(r)) succeed();
      else cb(failure(r));
    },
  });
}

export function onMessageStage(c: MockConnection, stream: SMTPServerDataStream, cb: ErrCallback): void {
  receiveMessage(stream, c.rt.scenario().server.size, c.rt.spool).then(
    (received) => messageReceived(c, received, cb),
    () => undefined /* the client went away mid-message; smtp-server closes the session */,
  );
}

/**
 * The whole message is in (after DATA's final dot, or BDAT's LAST chunk): it is recorded,
 * refused if over the size limit, else examined, decided and stored (final-dot.ts); the answer
 * goes through `cb`, as smtp-server's onData callback carries it.
 */
export function messageReceived(c: MockConnection, received: Received, cb: ErrCallback): void {
  const { bytes, body } = received;
  if (!body) return messageRead(c, received, undefined, cb);
  const envelope = c.session.envelope;
  // a body in memory is read at once; only a spooled one waits for its file
  if (body.buffer) return messageRead(c, received, wireOrNothing(() => messageWireNow(body, envelope, bytes)), cb);
  readMessageWire(body, envelope, bytes).then(
    (read) => messageRead(c, received, read, cb),
    () => messageRead(c, received, undefined, cb),
  );
}

/** What the wire tells only informs the report card: a message it cannot be read from is still answered. */
function wireOrNothing(read: () => MessageWire | undefined): MessageWire | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** The message is recorded (with what its wire showed), then refused if over the size limit, else decided and stored. */
function messageRead(c: MockConnection, { bytes, body }: Received, wire: MessageWire | undefined, cb: ErrCallback): void {
  c.writer.recordMessage(bytes, wire?.messageKey);
  for (const [finding, detail] of wire?.findings ?? []) c.writer.finding(finding, detail);
  if (!body) {
    c.answering.messageValues = { size: String(bytes) };
    return c.refuse(cb, 'message-too-big');
  }
  c.body = body;
  finalDot(finalDotSteps(c, body)).then(
    (verdict) => {
      c.releaseBody();
      if ('end' in verdict) return c.carry(verdict.end, NO_OUTCOME);
      c.answering.storedId = verdict.storedId;
      c.viaCallback(cb, verdict.reply, verdict.rule);
    },
    (err: unknown) => {
      c.releaseBody();
      // a spool file read after the session closed and removed it: nobody is waiting
      if (c._closed && body.path) return;
      c.rt.reportError(err, 'message');
      c.viaCallback(cb, RULE_ERROR_REPLY, 'error');
    },
  );
}

function finalDotSteps(c: MockConnection, body: MessageBody): FinalDotSteps {
  const scenario = c.rt.scenario();
  const envelope = c.session.envelope;
  const rcptTo = envelope.rcptTo.map((a) => a.address);
  const mailFrom = envelope.mailFrom ? envelope.mailFrom.address : '';
  // a magic recipient's entry may quote anything the analysis knows
  const depth = magicLater(rcptTo, { scenario, entries: catalogEntries }) ? 2 : scenario.activeStages.has('message') ? scenario.messageDepth : 0;
  const accepted = scenario.success.get('message');
  return {
    body,
    ...(accepted ? { accepted } : {}),
    examine: { scenario, depth, mailFrom, rcptTo, smtpUtf8: !!envelope.smtpUtf8, clientIp: c.remoteAddress, helo: c.hostNameAppearsAs || '' },
    decide: (message) => c.decisions.stage(c.facts('message', { message })),
    wait: (ms) => new Promise((resolve) => c.after(ms, resolve)),
    store: async (rule, authHeaders) => {
      // the store owns the body from here; a spooled body whose session closed is gone (no one can be told 250)
      if (body.path && c.body !== body) throw SESSION_CLOSED;
      c.body = undefined;
      const { id } = await c.rt.deliver({ sessionId: c.log.id, mailFrom, rcptTo, body, ...(rule ? { rule } : {}), ...(authHeaders ? { authHeaders } : {}) });
      return id;
    },
    notify: (id, examined, whole) => {
      const kept = { sessionId: c.log.id, about: id, head: examined.head, whole: body.buffer !== undefined, envelope, message: examined.message, now: c.rt.now(), render: (r: Reply) => wireLines(r.code, r.enhanced, c.texts(r)) };
      for (const request of noticeRequests(kept, c.notices.get(envelope), whole)) {
        c.rt.notify(request);
        for (let r: NoticeRequest | undefined = request; r; r = r.then) c.writer.notice(r.kind, r.recipients.map((x) => x.address), r.dueAt, r.status);
      }
    },
    applyState: (updates) => c.decisions.commit(updates),
    note: (kind, text, rule) => c.note(kind, text, rule),
    reportError: (err, context) => c.rt.reportError(err, context),
    quote: (message) => (c.answering.messageValues = messagePlaceholders(message, scenario.server)),
  };
}
