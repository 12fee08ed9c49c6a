/**
 * The final-dot pipeline up to the decision: the body arrives (spooled to disk when large),
 * then is analysed only as deep as the rules read, then authenticated when the scenario asks.
 * What follows — decide, then store or refuse — is the connection's.
 */
import type { SMTPServerDataStream } from 'smtp-server';
import { checkMessage, unsignedHeaderSection } from '../auth/check.js';
import { authChecks } from '../auth/memo.js';
import { analyzeHeaders, analyzeMessage } from '../checks/index.js';
import type { Depth } from '../engine/content.js';
import type { MessageAuthFacts } from '../auth/types.js';
import type { MessageFacts } from '../engine/facts.js';
import type { CompiledScenario } from '../engine/scenario.js';
import { readHead, receiveBody, type MessageBody, type Spool } from '../spool/body.js';

/** Reads the message; no body when it went over `limit` (0: none). */
export function receiveMessage(stream: SMTPServerDataStream, limit: number, spool: Spool): Promise<{ bytes: number; body?: MessageBody }> {
  stream.on('error', () => undefined); // the client went away; smtp-server closes the session
  return receiveBody(stream, { limit, spool, fixStart: unstuffLeadingDot });
}

export interface Examined {
  /** The header section, or the whole message when it is in memory: what notices quote. */
  readonly head: Buffer;
  readonly message: MessageFacts;
  /** Received-SPF and Authentication-Results lines, when authentication ran. */
  readonly authHeaders?: string;
}

export interface ExamineInput {
  readonly scenario: CompiledScenario;
  readonly depth: Depth;
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly smtpUtf8: boolean;
  readonly clientIp: string;
  readonly helo: string;
}

export async function examineMessage(body: MessageBody, input: ExamineInput): Promise<Examined> {
  const head = await readHead(body);
  const analysed = await analyse(body, head, input);
  const authentication = input.scenario.authNeeds.message ? await authenticate(body, head, input) : undefined;
  return authentication ? { head, message: { ...analysed, authentication }, authHeaders: authentication.headers } : { head, message: analysed };
}

/** Only as deep as the rules read: most scenarios need no parse at all. */
function analyse(body: MessageBody, head: Buffer, { depth, rcptTo, smtpUtf8 }: ExamineInput): Promise<MessageFacts> | MessageFacts {
  if (depth === 0) return { size: body.size };
  const input = { raw: head, ...(body.buffer ? {} : { size: body.size, rest: () => body.chunks(head.length) }), rcptTo: [...rcptTo], smtpUtf8 };
  return depth === 1 ? analyzeHeaders(input) : analyzeMessage(input);
}

function authenticate(body: MessageBody, head: Buffer, input: ExamineInput): Promise<MessageAuthFacts> {
  const { scenario } = input;
  const checks = authChecks(scenario.zone);
  const envelope = { sender: input.mailFrom, ip: input.clientIp, helo: input.helo, mta: scenario.server.hostname };
  // unsigned mail (most of it): the header section decides everything, the body need not be read
  const section = unsignedHeaderSection(head, body.buffer !== undefined);
  if (section) return checks.unsignedMessage(section, envelope);
  return checkMessage({ ...envelope, message: body.buffer ?? body.stream(), resolver: checks.resolver });
}

/**
 * smtp-server removes the escape dot after every line break but the one that starts the data
 * (its scan begins at byte 2): a message starting "\n..x" arrives as "\n..x", not "\n.x".
 */
function unstuffLeadingDot(raw: Buffer): Buffer {
  return raw.length >= 3 && raw[0] === 0x0a && raw[1] === 0x2e && raw[2] === 0x2e ? Buffer.concat([raw.subarray(0, 1), raw.subarray(2)]) : raw;
}
