/**
 * The scenario file format. This zod schema is the single source of the TypeScript types
 * of a scenario file, of its validation, and of the published `schema/scenario.schema.json`.
 * It describes the file as written; `compile.ts` turns a valid file into the engine's form.
 */
import * as z from 'zod';
import { AUTH_RESULTS } from '../auth/types.js';
import { CHECK_NAMES } from '../engine/content.js';
import { EVENT_NAMES } from '../engine/events.js';
import { SUCCESS_NAMES } from '../engine/success.js';
import { COUNT_KEYS } from '../engine/keys.js';
import { AUTH_MECHANISMS } from '../engine/scenario.js';
import { STAGES } from '../engine/stages.js';
import { didYouMean } from '../util/suggest.js';
import { parseComparison, parseDuration, parseIpMatcher, parsePattern, parseRate, parseSize, type Parsed } from '../engine/values.js';

/** A strict object whose unknown-key errors name the closest allowed key. */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? // one line per key, in the order of issue.keys: the loader splits them apart
          issue.keys
            .map((key) => `unknown key "${key}"${didYouMean(key, allowed)}; expected one of: ${allowed.join(', ')}`)
            .join('\n')
        : undefined,
  });
}

/** A string checked by one of the value parsers, so the error reads like advice. */
function checked(parse: (s: string) => Parsed<unknown>) {
  return z.string().superRefine((value, ctx) => {
    const result = parse(value);
    if (!result.ok) ctx.addIssue({ code: 'custom', message: result.error });
  });
}

const Pattern = checked(parsePattern).describe(
  'Text to match: exact (case-insensitive), a glob with * and ?, or /regex/flags.',
);
const Patterns = z.union([Pattern, z.array(Pattern).min(1)]).describe('A pattern, or a list of patterns (any may match).');
const Comparison = z
  .union([z.number(), checked(parseComparison)])
  .describe('A number, or a comparison such as ">= 3", "< 10MB", "!= 0", "2..5".');
const Duration = z
  .union([z.number().nonnegative(), checked(parseDuration)])
  .describe('Milliseconds, or a duration such as "500ms", "30s", "5m", "1h".');
const Size = z
  .union([z.number().int().nonnegative(), checked(parseSize)])
  .describe('Bytes, or a size such as "512KB", "10MB".');
const IpBlock = checked(parseIpMatcher).describe('An IP address or CIDR block, e.g. "192.0.2.0/24".');

export const StageSchema = z.enum(STAGES).describe('An SMTP stage at which a rule can answer.');
export const CheckSchema = z.enum(CHECK_NAMES as [string, ...string[]]).describe('A content check of the message.');
export const EventSchema = z.enum(EVENT_NAMES as [string, ...string[]]).describe('A protocol event (mockmx catalog --events lists them).');

const HeaderCondition = z.union([
  Pattern,
  strict({
    present: z.boolean().optional().describe('The header is present (true) or absent (false).'),
    count: Comparison.optional().describe('How many times the header occurs.'),
    value: Patterns.optional().describe('Some occurrence of the header matches.'),
  }),
]);

const PerSchema = z.union([z.enum(COUNT_KEYS), z.array(z.enum(COUNT_KEYS)).min(1)]);
const FlagName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a flag name is letters, digits and . _ -');

const AuthResult = z.enum(AUTH_RESULTS);
const AuthResults = z.union([AuthResult, z.array(AuthResult).min(1)]);
const PtrResult = z.enum(['pass', 'fail', 'none']);
const DmarcPolicy = z.enum(['none', 'quarantine', 'reject']);

export const ConditionsSchema = strict({
  stage: z
    .union([StageSchema, z.array(StageSchema).min(1)])
    .optional()
    .describe('Stage(s) where the rule applies. Default: the earliest stage where every condition can be known.'),
  ip: z.union([IpBlock, z.array(IpBlock).min(1)]).optional().describe('Client IP address or CIDR block(s).'),
  helo: Patterns.optional().describe('The name given in HELO/EHLO/LHLO.'),
  tls: z.boolean().optional().describe('The session is (true) or is not (false) encrypted.'),
  authenticated: z.boolean().optional().describe('The client has (true) or has not (false) authenticated.'),
  authUser: Patterns.optional().describe('The authenticated user, or at the auth stage the user trying to log in.'),
  authMechanism: Patterns.optional().describe('The AUTH mechanism: PLAIN, LOGIN, CRAM-MD5 or XOAUTH2.'),
  authValid: z.boolean().optional().describe('At the auth stage: the credentials match a scenario user.'),
  sender: Patterns.optional().describe('The envelope sender (MAIL FROM); "<>" matches the null sender.'),
  senderDomain: Patterns.optional().describe('The domain of the envelope sender.'),
  rcpt: Patterns.optional().describe('At rcpt: the recipient being added. Later: any recipient of the transaction.'),
  rcptDomain: Patterns.optional().describe('The domain of the recipient (as for rcpt).'),
  rcptCount: Comparison.optional().describe('Number of recipients so far (including the one being added at rcpt).'),
  rcptDomainCount: Comparison.optional().describe('Number of distinct recipient domains so far (including the one being added).'),
  event: z
    .union([EventSchema, z.array(EventSchema).min(1)])
    .optional()
    .describe('A protocol event the server is about to refuse (see "replies"); the rule answers instead.'),
  transactions: Comparison.optional().describe('Messages accepted earlier in this session.'),
  ipConnections: Comparison.optional().describe('Open connections from the client IP (this one included).'),
  flagged: z
    .union([FlagName, z.array(FlagName).min(1), strict({ name: FlagName, per: PerSchema.optional() })])
    .optional()
    .describe('A flag set by a rule (`flag:`) is live for this key (per ip unless given); a list: any of them.'),
  verb: Patterns.optional().describe('The command verb, e.g. "VRFY", "XYZZY".'),
  arg: Patterns.optional().describe('The command argument: everything after the verb.'),
  size: Comparison.optional().describe('Message size in bytes (at mail: the SIZE= parameter when given; at data, for BDAT: the octets so far).'),
  chunk: Comparison.optional().describe('At data, for BDAT (CHUNKING): the chunk’s number in its message, 1 for the first. Never true for DATA.'),
  chunkSize: Comparison.optional().describe('At data, for BDAT: the chunk’s size in octets.'),
  lastChunk: z.boolean().optional().describe('At data, for BDAT: the chunk is (true) or is not (false) the one marked LAST.'),
  header: z
    .record(z.string().min(1), HeaderCondition)
    .optional()
    .describe('Header name → pattern for its value, or {present, count, value}.'),
  subject: Patterns.optional().describe('The decoded Subject.'),
  body: Patterns.optional().describe('The decoded plain-text body.'),
  ptr: z.union([PtrResult, z.array(PtrResult).min(1)]).optional().describe('Reverse DNS of the client: pass (forward-confirmed), fail (does not resolve back), none (no PTR).'),
  ptrName: Patterns.optional().describe("The client's PTR name."),
  senderDomainExists: z.boolean().optional().describe('The sender domain has MX or A/AAAA records in the scenario DNS (only decided when the scenario has a dns: table).'),
  rcptDomainExists: z.boolean().optional().describe('The recipient domain has MX or A/AAAA records in the scenario DNS (only decided when the scenario has a dns: table).'),
  spf: AuthResults.optional().describe('SPF result for the envelope sender: pass, fail, softfail, neutral, none, temperror, permerror.'),
  dkim: AuthResults.optional().describe('DKIM: pass if any signature passes, else the first signature’s result; none without signatures.'),
  dkimDomain: Patterns.optional().describe('The domain (d=) of a passing DKIM signature.'),
  dmarc: AuthResults.optional().describe('DMARC result for the From domain.'),
  dmarcPolicy: z
    .union([DmarcPolicy, z.array(DmarcPolicy).min(1)])
    .optional()
    .describe("The From domain's published DMARC policy: none, quarantine, reject."),
  arc: AuthResults.optional().describe('ARC chain validation result.'),
  check: z
    .union([CheckSchema, z.array(CheckSchema).min(1)])
    .optional()
    .describe('Content checks of the message; any listed one holding matches (limits from server.limits).'),
  headerBytes: Comparison.optional().describe('Bytes of the header section.'),
  headerCount: Comparison.optional().describe('Number of header fields.'),
  headerValueBytes: Comparison.optional().describe('Bytes of the longest header value.'),
  headerNameBytes: Comparison.optional().describe('Bytes of the longest header name.'),
  subjectBytes: Comparison.optional().describe('Bytes of the Subject value(s).'),
  receivedCount: Comparison.optional().describe('Number of Received: headers (hops).'),
  attachmentCount: Comparison.optional().describe('Number of attachments.'),
});

const ReplyObject = strict({
  code: z.number().int().min(200).max(599).describe('The reply code, e.g. 550.'),
  enhanced: z
    .string()
    .regex(/^[245]\.\d{1,3}\.\d{1,3}$/, 'an enhanced status code looks like "5.7.1"')
    .nullable()
    .optional()
    .describe('Enhanced status code (RFC 3463), e.g. "5.7.1"; repeated on every line.'),
  text: z
    .union([z.string(), z.array(z.string()).min(1)])
    .optional()
    .describe('The reply text; a list (or text with line breaks) gives a multi-line reply.'),
  close: z.boolean().optional().describe('Close the connection after this reply (421 always closes).'),
});

export const ReplySchema = z
  .union([z.string().min(1), ReplyObject])
  .describe('A catalog id (gmail.tls-required), shorthand "550 5.1.1 text", or {code, enhanced, text, close}.');

const ActionObject = strict({
  reply: ReplySchema.optional(),
  accept: z.literal(true).optional().describe('Do what the stage normally does (the success reply).'),
  drop: z.literal(true).optional().describe('Close the connection without a reply.'),
  reset: z.literal(true).optional().describe('Abort the connection with a TCP RST.'),
  discard: z.literal(true).optional().describe('At message: reply 250 but keep nothing.'),
  delay: Duration.optional().describe('Wait this long first (a tarpit), then do the action; alone: then the normal behaviour.'),
  bounce: ReplySchema.optional().describe('Say 250 now; later send the sender a failure DSN reporting this reply (a catalog id or "550 5.1.1 text").'),
  delayNotice: ReplySchema.optional().describe('Say 250 now; later send a "delayed" DSN reporting this (4xx) reply, then deliver — or, with bounce:, fail at bounceAfter.'),
  autoReply: z
    .union([z.literal(true), strict({ subject: z.string().optional(), text: z.string() })])
    .optional()
    .describe('Say 250 now; later send the sender an RFC 3834 auto-reply (out of office).'),
  notifyAfter: Duration.optional().describe('When the notice is sent, after acceptance. Default 0.'),
  bounceAfter: Duration.optional().describe('With delayNotice and bounce: when the final failure is sent, after acceptance. Default 4h.'),
});

export const ACTION_KEYWORDS = ['accept', 'drop', 'reset', 'discard'] as const;

export const ActionSchema = z
  .union([z.enum(ACTION_KEYWORDS), z.string().min(1).describe('A reply: catalog id or "550 5.1.1 text".'), ActionObject])
  .describe('What to do: "accept", "drop", "reset", "discard", a reply ("550 5.1.1 text" or a catalog id), or {reply | accept | drop | reset | discard, delay}.');

const FlagSchema = strict({
  name: FlagName,
  for: Duration.describe('How long the flag stays set.'),
  per: PerSchema.optional().describe('The keys it is set on. Default: ip.'),
});

export const RuleSchema = strict({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'a rule id is letters, digits and . _ : / -')
    .optional()
    .describe('A stable name for the rule, shown in transcripts. Default: <scenario>#<position>.'),
  description: z.string().optional(),
  when: ConditionsSchema.optional().describe('Conditions; all must hold. Empty or absent: always.'),
  then: ActionSchema,
  times: z.number().int().positive().optional().describe('Fire on the first N matches only, then fall through.'),
  after: z.number().int().nonnegative().optional().describe('Skip (fall through on) the first N matches.'),
  probability: z.number().min(0).max(1).optional().describe('Chance (0..1) that a match fires; seeded by --seed.'),
  per: PerSchema.optional().describe(
    'Keep times/after, rate and greylist state separately per client ip, netblock (/24, /64), helo, sender, senderDomain, rcpt, rcptDomain, authUser, session or messageId; a list combines them.',
  ),
  rate: z
    .union([checked(parseRate), strict({ limit: z.number().int().nonnegative(), window: Duration })])
    .optional()
    .describe('At most N matches per window pass ("10/1h" or {limit, window}); the rule answers the rest, until the window slides.'),
  greylist: z
    .union([
      z.literal(true),
      strict({
        delay: Duration.optional().describe('How long a sender must wait before retrying. Default 5m.'),
        expire: Duration.optional().describe('How long the first attempt is remembered. Default 4h.'),
        remember: Duration.optional().describe('How long a sender that retried properly passes. Default 35d.'),
      }),
    ])
    .optional()
    .describe('Answer the first attempt of each key (default per: [ip, sender, rcpt]) and any retry before the delay; let a retry after the delay through and remember it.'),
  flag: z
    .union([FlagSchema, z.array(FlagSchema).min(1)])
    .optional()
    .describe('When the rule answers, set a flag that expires (e.g. a one-hour block), read by when.flagged.'),
});

const AuthUser = strict({
  user: z.string().min(1),
  password: z.string().optional().describe('For PLAIN, LOGIN and CRAM-MD5.'),
  token: z.string().optional().describe('For XOAUTH2: the access token.'),
});

export const ServerSchema = strict({
  hostname: z.string().min(1).optional().describe('Name in the greeting and EHLO reply. Default: mockmx.test.'),
  banner: z.string().optional().describe('Text after "ESMTP" in the greeting; may quote {token} (Gmail-style session token), {ip}.'),
  greeting: z
    .string()
    .optional()
    .describe('The whole 220 greeting text, replacing "<hostname> ESMTP <banner>"; may quote {hostname}, {ip}, {token}.'),
  heloGreeting: z
    .string()
    .optional()
    .describe('First line of the HELO/EHLO reply; may quote {hostname}, {ip}, {helo}. Default: "{hostname} Nice to meet you, [{ip}]".'),
  capabilities: z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'a capability keyword such as SIZE, STARTTLS or CHUNKING'))
    .optional()
    .describe("The order of the EHLO capability lines, by keyword (Gmail's MX: SIZE, 8BITMIME, STARTTLS, ENHANCEDSTATUSCODES, PIPELINING, CHUNKING, SMTPUTF8). Listed ones not offered are skipped; offered ones not listed follow."),
  greetDelay: Duration.optional().describe('Pause before the greeting. Default 0.'),
  size: Size.optional().describe('Maximum message size, advertised in EHLO. Default 25MB; 0 means no limit.'),
  maxRecipients: z.number().int().positive().optional().describe('Recipients per message before 452 4.5.3.'),
  maxConnections: z.number().int().positive().optional().describe('Concurrent connections before 421 (event too-many-connections).'),
  idleTimeout: Duration.optional().describe('Close idle sessions after this long. Default 5m.'),
  recipients: z
    .enum(['any', 'known'])
    .optional()
    .describe('"any" accepts every recipient; "known" only the listed mailboxes (others: 550 5.1.1).'),
  magicRecipients: z.boolean().optional().describe('Replay catalog entries for recipients named after their id.'),
  chunking: z
    .boolean()
    .optional()
    .describe('Advertise CHUNKING and accept BDAT (RFC 3030): rules answer each chunk at stage data, the whole message after LAST at message. Default false; Gmail’s and Microsoft 365’s MX advertise it.'),
  binaryMime: z
    .boolean()
    .optional()
    .describe('Advertise BINARYMIME and accept MAIL … BODY=BINARYMIME, whose message must then come by BDAT (needs chunking). Default false.'),
  chunkReply: z
    .string()
    .optional()
    .describe('Text of the 250 2.0.0 reply to a BDAT chunk that is not the last; may quote {chunkSize}, {size} (octets so far), {token}. Default: "{chunkSize} octets received".'),
  dsn: z.boolean().optional().describe('Advertise DSN (RFC 3461: NOTIFY, RET, ENVID, ORCPT) in EHLO. Default true; Gmail’s MX does not.'),
  bounceTo: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/, 'write host:port, e.g. 127.0.0.1:2526')
    .optional()
    .describe('Deliver bounces and auto-replies over SMTP to this host:port (the sender under test’s own inbox). Unset: they are only kept.'),
  limits: strict({
    headerBytes: Size.optional().describe('Header section (check header-too-large). Default 256KB.'),
    headerCount: z.number().int().positive().optional().describe('Header fields (check too-many-headers). Default 1000.'),
    headerValueBytes: Size.optional().describe('One header value (check header-value-too-large). Default 16KB.'),
    headerNameBytes: Size.optional().describe('One header name (check header-name-too-long). Default 998.'),
    subjectBytes: Size.optional().describe('The Subject (check subject-too-long). Default 16KB.'),
    attachments: z.number().int().nonnegative().optional().describe('Attachments (check too-many-attachments). Default 500.'),
    receivedHops: z.number().int().nonnegative().optional().describe('Received headers (check too-many-hops). Default 50.'),
  })
    .optional()
    .describe('Limits the content checks compare against.'),
  tls: strict({
    starttls: z
      .enum(['offered', 'required', 'off'])
      .optional()
      .describe('offered (default): STARTTLS advertised; required: MAIL before STARTTLS gets 530 5.7.0; off: not offered.'),
    implicit: z.boolean().optional().describe('Also listen for implicit TLS (on --smtps-port, default 2465).'),
  }).optional(),
  auth: strict({
    mechanisms: z.array(z.enum(AUTH_MECHANISMS)).optional().describe('Default: PLAIN, LOGIN. An empty list: AUTH is not offered (an MX).'),
    required: z.boolean().optional().describe('MAIL before AUTH gets 530 5.7.0.'),
    allowInsecure: z.boolean().optional().describe('Allow AUTH without TLS. Default true.'),
    users: z.array(AuthUser).optional(),
  }).optional(),
});

const Mailbox = strict({
  disabled: z.boolean().optional().describe('RCPT gets 550 5.2.1.'),
  quota: Size.optional().describe('Bytes it can hold; a message that does not fit gets 552 5.2.2.'),
});

const TextOrList = z.union([z.string(), z.array(z.string())]);
const MxRecord = z.union([
  z.string().regex(/^\d+\s+\S+$/, 'an MX record looks like "10 mx.example.com"'),
  strict({ exchange: z.string().min(1), priority: z.number().int().nonnegative() }),
]);
const DnsRecords = strict({
  TXT: TextOrList.optional().describe('SPF, DKIM (selector._domainkey.domain), DMARC (_dmarc.domain) records.'),
  A: TextOrList.optional(),
  AAAA: TextOrList.optional(),
  MX: z.union([MxRecord, z.array(MxRecord)]).optional(),
  PTR: TextOrList.optional().describe('Under an IP address key: its reverse name.'),
  CNAME: TextOrList.optional(),
});

/** The report card's thresholds (src/report/options.ts holds their defaults and meaning). */
export const ReportSettingsSchema = strict({
  minRetryDelay: Duration.optional().describe('Shortest acceptable wait before a 4xx-refused recipient is tried again. Default 1m.'),
  minReconnectDelay: Duration.optional().describe('Shortest acceptable wait between a 421 and the next connection from that IP. Default 30s.'),
  neverRetriedAfter: Duration.optional().describe('A 4xx-refused recipient not tried again this long after counts as never retried. Default 1h.'),
  backoffTolerance: z.number().min(0).lt(1).optional().describe('How much shorter than the previous wait a retry may come and still count as backing off (0.1 = 10 %). Default 0.1.'),
  throttleReplies: z
    .array(z.string().regex(/^4\d\d(?: 4\.\d{1,3}\.\d{1,3})?$/, 'write "421" or "421 4.7.28"'))
    .optional()
    .describe('Replies that mean greylisting or rate limiting ("450 4.2.1", or a code alone); replaces the default list.'),
});

export const ScenarioFileSchema = strict({
  $schema: z.string().optional(),
  name: z.string().min(1).optional().describe('Scenario name. Default: the file name.'),
  description: z.string().optional(),
  extends: z.string().min(1).optional().describe('A shipped scenario name or a path relative to this file.'),
  server: ServerSchema.optional(),
  mailboxes: z.record(z.string().min(1), Mailbox).optional().describe('Known mailboxes by address.'),
  dns: z
    .record(z.string().min(1), DnsRecords)
    .optional()
    .describe('DNS answered from here, never from the network: name (or an IP address, for PTR) → records. Names not listed answer NXDOMAIN.'),
  replies: z
    .partialRecord(EventSchema, ReplySchema)
    .optional()
    .describe("How this provider words the server's own refusals: event name → reply (a catalog id, shorthand or object)."),
  success: z
    .partialRecord(z.enum(SUCCESS_NAMES as [string, ...string[]]), ReplySchema)
    .optional()
    .describe('How this provider words the server\'s own positive answers: mail, rcpt, data, message, rset, noop, vrfy, quit, starttls, auth → reply (shorthand "250 2.1.0 OK {token} - gsmtp" or object); may quote the session\'s provider values such as {mimecastRef} or {outlookServer}.'),
  rules: z.array(RuleSchema).optional().describe('Evaluated in order; the first match for the stage answers.'),
  report: ReportSettingsSchema.optional().describe("Thresholds the sender report card grades by (GET /api/v1/report); a scenario's own win over what it extends."),
}).describe('A mockmx scenario.');

export type ScenarioFile = z.infer<typeof ScenarioFileSchema>;
export type RuleSpec = z.infer<typeof RuleSchema>;
export type ConditionsSpec = z.infer<typeof ConditionsSchema>;
export type ActionSpec = z.infer<typeof ActionSchema>;
export type ReplySpec = z.infer<typeof ReplySchema>;
export type ServerSpec = z.infer<typeof ServerSchema>;
export type ReportSettingsSpec = z.infer<typeof ReportSettingsSchema>;

/** The JSON Schema editors use to autocomplete scenario files. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ScenarioFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
