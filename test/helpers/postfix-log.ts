/**
 * Reading what a private Postfix instance wrote: its maillog delivery lines and the DSNs its
 * virtual(8) delivered to the local Maildir. Formats as measured with Postfix 3.7, see
 * /work/shared/research/postfix-as-sender.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type DeliveryStatus = 'sent' | 'deferred' | 'bounced' | 'expired';

/** One delivery attempt's outcome, as one maillog line says it. */
export interface DeliveryLine {
  readonly queueId: string;
  /** The recipient. An `expired` line names none: it is repeated for each recipient seen earlier under its queue id. */
  readonly to: string;
  /** `127.0.0.1[127.0.0.1]:PORT`, `none` (no connection), `virtual` (the local mailbox); '' on `expired`. */
  readonly relay: string;
  /** Postfix's `delay=` in seconds; absent on `expired`. */
  readonly delay?: number;
  /** Postfix's `dsn=`; absent on `expired` (the DSN it sends keeps the last attempt's status). */
  readonly dsn?: string;
  readonly status: DeliveryStatus;
  /** The text in parentheses after the status, verbatim: `host … said: 550 … (in reply to RCPT TO command)`. */
  readonly said: string;
  /** The remote server's reply inside `said` (multi-line replies joined by spaces, as Postfix logs them). */
  readonly reply?: string;
  /** The command that reply answered: `RCPT TO`, `end of DATA`, … */
  readonly command?: string;
  /** The Postfix program that logged it: smtp, virtual, error, qmgr. */
  readonly program: string;
  readonly line: string;
}

// "Dec 03 21:41:36 host postfix/smtp[30006]: 6729720C1BB: rest"
const PREFIX = /^\w{3} +\d+ [\d:]+ \S+ [\w.-]+\/([\w-]+)\[\d+\]: ([0-9A-Za-z]+): (.*)$/;
// conn_use= appears when a cached connection is reused, orig_to= when the address was rewritten
const TO =
  /^to=<([^>]*)>, (?:orig_to=<[^>]*>, )?relay=([^,]*), (?:conn_use=\d+, )?delay=([\d.]+), delays=[^,]*, dsn=([\d.]+), status=(sent|deferred|bounced) \((.*)\)$/;
const EXPIRED = /^from=<[^>]*>, status=expired, returned to sender$/;
const SAID = /(?:said|refused to talk to me): (.*?)(?: \(in reply to (.+) command\))?$/;

/** Turns maillog lines into delivery lines, remembering recipients per queue id for `expired`. */
export class DeliveryLog {
  readonly lines: DeliveryLine[] = [];
  readonly #recipients = new Map<string, Set<string>>();

  add(line: string): void {
    const head = PREFIX.exec(line);
    if (!head) return;
    const [, program, queueId, rest] = head as unknown as [string, string, string, string];
    const to = TO.exec(rest);
    if (to) {
      const [, rcpt, relay, delay, dsn, status, said] = to as unknown as [string, string, string, string, string, DeliveryStatus, string];
      const reply = SAID.exec(said);
      const recipients = this.#recipients.get(queueId) ?? new Set<string>();
      this.#recipients.set(queueId, recipients.add(rcpt));
      this.lines.push({ queueId, to: rcpt, relay, delay: Number(delay), dsn, status, said, reply: reply?.[1], command: reply?.[2], program, line });
    } else if (EXPIRED.test(rest)) {
      for (const rcpt of this.#recipients.get(queueId) ?? ['']) {
        this.lines.push({ queueId, to: rcpt, relay: '', status: 'expired', said: 'returned to sender', program, line });
      }
    }
  }
}

/** One recipient's block in a DSN's message/delivery-status part. */
export interface DsnRecipient {
  readonly recipient: string;
  readonly action: string;
  readonly status: string;
  /** Without its type: `550 5.1.1 …`, not `smtp; 550 5.1.1 …`; folded lines joined by a space. */
  readonly diagnosticCode?: string;
}

/** A delivery status notification Postfix delivered to the local mailbox. */
export interface Bounce {
  readonly file: string;
  readonly deliveredTo: string;
  readonly subject: string;
  /** The queue id of the message it reports on (`X-Postfix-Queue-ID`). */
  readonly queueId?: string;
  readonly recipients: readonly DsnRecipient[];
  /** The first recipient's Status and Diagnostic-Code. */
  readonly status?: string;
  readonly diagnosticCode?: string;
  readonly text: string;
}

const field = (block: string, name: string) => new RegExp(`^${name}: *(.*)$`, 'im').exec(block)?.[1]?.trim();

/** Parses a DSN just enough for tests: a header or two and the delivery-status fields. */
export function parseBounce(file: string, text: string): Bounce {
  const unfolded = text.replace(/\r?\n[ \t]+/g, ' ').replace(/\r\n/g, '\n');
  const headers = unfolded.slice(0, unfolded.indexOf('\n\n'));
  const report = /^Content-Type: message\/delivery-status\n([\s\S]*?)\n--/im.exec(unfolded)?.[1] ?? '';
  const recipients = report
    .split(/\n\n+/)
    .filter((block) => /^Final-Recipient:/im.test(block))
    .map((block) => ({
      recipient: (field(block, 'Final-Recipient') ?? '').replace(/^[\w-]+; */, ''),
      action: field(block, 'Action') ?? '',
      status: field(block, 'Status') ?? '',
      diagnosticCode: field(block, 'Diagnostic-Code')?.replace(/^[\w-]+; */, ''),
    }));
  return {
    file,
    deliveredTo: field(headers, 'Delivered-To') ?? '',
    subject: field(headers, 'Subject') ?? '',
    queueId: field(report, 'X-Postfix-Queue-ID'),
    recipients,
    status: recipients[0]?.status,
    diagnosticCode: recipients[0]?.diagnosticCode,
    text,
  };
}

/** Every message in a Maildir (new/ then cur/), oldest name first; virtual(8) renames into new/ when done. */
export function readMaildir(maildir: string): Bounce[] {
  const out: Bounce[] = [];
  for (const sub of ['new', 'cur']) {
    let names: string[];
    try {
      names = readdirSync(join(maildir, sub)).sort();
    } catch {
      continue;
    }
    for (const name of names) out.push(parseBounce(join(sub, name), readFileSync(join(maildir, sub, name), 'utf8')));
  }
  return out;
}
