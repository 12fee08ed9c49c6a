/**
 * Reading a bounce the way a developer pastes it: a Postfix maillog line (`dsn=`, `status=`,
 * `said: … (in reply to RCPT TO command)`), an Exim log or bounce line (`SMTP error from remote
 * mail server after RCPT TO:<x>: 550-5.7.26 …`, continuation lines included), a DSN's
 * `Diagnostic-Code: smtp; …`, a raw multi-line reply, or plain text. The wrappers are taken off
 * and what is left is one reply: basic code, enhanced code, the text with the repeated
 * `550-5.7.26` prefixes removed, the SMTP command it answered, and the hosts named on the way.
 */

export type InputFormat = 'postfix' | 'exim' | 'dsn' | 'reply' | 'text';

export interface ParsedBounce {
  readonly format: InputFormat;
  /** Basic reply code, when the input has one. */
  readonly code: number | null;
  /** Enhanced status code (RFC 3463): the reply's own, else the log's `dsn=` / the DSN's `Status:`. */
  readonly enhanced: string | null;
  /** The reply text, one logical string, without codes and wrappers. */
  readonly text: string;
  /** The SMTP command the reply answered, when the log says (`RCPT TO`, `end of DATA`, `MAIL FROM`…). */
  readonly command: string | null;
  /** Host names and other provider marks the input mentions (relay, H=, Remote-MTA, gsmtp…), lower case. */
  readonly hosts: readonly string[];
}

const ENHANCED = String.raw`[245]\.\d{1,3}\.\d{1,3}`;
/** A reply line's head: `550-5.7.26 `, `550 5.1.1 `, `421 ` (the enhanced code optional). */
const HEAD = new RegExp(String.raw`(?:^|\s)([245]\d\d)([ -])(?:(${ENHANCED})(?=\s|$))?`, 'g');

// Postfix: "… dsn=5.7.26, status=bounced (host mx[1.2.3.4] said: 550 … (in reply to RCPT TO command))"
const POSTFIX_DSN = /\bdsn=([245]\.\d{1,3}\.\d{1,3})\b/;
const POSTFIX_STATUS = /\bstatus=(?:sent|deferred|bounced|expired|undeliverable)\s*\((.*)\)\s*$/s;
const POSTFIX_RELAY = /\brelay=([^,\s[]+)/;
const SAID = /^(?:host\s+(\S+?)(?:\[[^\]]*\])?\s+)?(?:said|refused to talk to me):\s*(.*?)(?:\s*\(in reply to (.+?) command\))?\s*$/s;
// Exim: "SMTP error from remote mail server after RCPT TO:<bob@x>: 550-5.1.1 …" (also "from remote mailer")
const EXIM = /SMTP error from remote (?:mail server|mailer) after ((?:pipelined )?(?:RCPT TO|MAIL FROM|DATA|end of data|initial connection|EHLO|HELO|STARTTLS|AUTH)\b[^:]*?(?::<[^>]*>)?(?:\s+[A-Z]+=\S+)*)\s*:\s*(.*)$/is;
const SAID_ANYWHERE = /\bhost\s+\S+?(?:\[[^\]]*\])?\s+(?:said|refused to talk to me):\s*(.*?)(?:\s*\(in reply to (.+?) command\))?\s*$/s;
const QUOTED_REPLY = /(["'])([245]\d\d[ -][^"']*)\1/;
const EXIM_HOST = /\bH=([^\s[]+)/;
const EXIM_FOR = /^\s*host\s+(\S+)\s+\[[^\]]*\]\s*:?\s*/i;
// DSN (RFC 3464): "Diagnostic-Code: smtp; 550 5.1.1 …", folded over indented lines
const DIAGNOSTIC = /^Diagnostic-Code:\s*(?:smtp|X-Postfix|X-Exim[\w-]*)?\s*;\s*(.*(?:\r?\n[ \t]+.*)*)/im;
const DSN_STATUS = /^Status:\s*([245]\.\d{1,3}\.\d{1,3})/im;
const REMOTE_MTA = /^(?:Remote-MTA|Reporting-MTA):\s*dns;\s*(\S+)/gim;
/** Host-like words: a.b.c, and Gmail's ` - gsmtp` token, the strongest mark it leaves. */
const HOSTNAME = /\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b|\bgsmtp\b/gi;

/** The reply a bounce line or text reports. Never throws: what cannot be read is left out. */
export function parseBounce(input: string): ParsedBounce {
  const raw = input.replace(/\\n/g, '\n').trim(); // Exim's mainlog writes a reply's line breaks as "\n"
  const hosts = new Set<string>();
  for (const m of raw.matchAll(HOSTNAME)) hosts.add(m[0].toLowerCase());

  const diagnostic = DIAGNOSTIC.exec(raw);
  if (diagnostic) {
    for (const m of raw.matchAll(REMOTE_MTA)) hosts.add(m[1]!.toLowerCase());
    return finish('dsn', unfold(diagnostic[1]!), null, DSN_STATUS.exec(raw)?.[1] ?? null, hosts);
  }
  const status = POSTFIX_STATUS.exec(raw);
  if (status && (POSTFIX_DSN.test(raw) || /\bpostfix\//.test(raw))) {
    const relay = POSTFIX_RELAY.exec(raw)?.[1];
    if (relay && relay !== 'none') hosts.add(relay.toLowerCase());
    const said = SAID.exec(status[1]!);
    return finish('postfix', said ? said[2]! : status[1]!, said?.[3] ?? null, POSTFIX_DSN.exec(raw)?.[1] ?? null, hosts);
  }
  const exim = EXIM.exec(raw);
  if (exim) {
    const host = EXIM_HOST.exec(raw)?.[1];
    if (host) hosts.add(host.toLowerCase());
    const command = exim[1]!.replace(/:<[^>]*>.*$/, '').replace(/^pipelined\s+/i, '').trim();
    return finish('exim', exim[2]!.replace(EXIM_FOR, ''), command, null, hosts);
  }
  // a Postfix bounce's human part: "<rcpt>: host mx[ip] said: 550 … (in reply to MAIL FROM command)"
  const said = SAID_ANYWHERE.exec(raw);
  if (said) return finish('postfix', said[1]!, said[2] ?? null, null, hosts);
  if (/^[245]\d\d[ -]/.test(raw)) return finish('reply', raw, null, null, hosts);
  // a reply quoted inside some other log line (response="554 5.7.0 …"), or following other words
  const quoted = QUOTED_REPLY.exec(raw);
  if (quoted) return finish('text', quoted[2]!, null, null, hosts);
  const at = raw.search(/(?:^|\s)[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3}\s)?\S/);
  return finish('text', at < 0 ? raw : raw.slice(at), null, null, hosts);
}

/** A folded header value on one line. */
const unfold = (value: string) => value.replace(/\r?\n[ \t]+/g, ' ');

function finish(format: InputFormat, body: string, command: string | null, fallbackEnhanced: string | null, hosts: Set<string>): ParsedBounce {
  const { code, enhanced, text } = splitReply(body);
  return Object.freeze({
    format,
    code,
    enhanced: enhanced ?? fallbackEnhanced,
    text,
    command: command?.replace(/\s+/g, ' ') ?? null,
    hosts: Object.freeze([...hosts].sort()),
  });
}

/**
 * `550-5.7.26 one 550-5.7.26 two 550 5.7.26 three` (Postfix joins lines with spaces; raw replies
 * and Exim keep line breaks) → code 550, enhanced 5.7.26, text "one two three". Only heads that
 * repeat the first one's code are taken out, so a number inside the text stays.
 */
export function splitReply(body: string): { code: number | null; enhanced: string | null; text: string } {
  const flat = body.replace(/\s+/g, ' ').trim();
  HEAD.lastIndex = 0;
  const first = HEAD.exec(flat);
  // the reply starts at its first head only when nothing but a wrapper word precedes it
  if (!first || first.index > 0 && !/^[\w.-]*:?\s*$/.test(flat.slice(0, first.index))) {
    return { code: null, enhanced: null, text: flat };
  }
  const code = Number(first[1]);
  const enhanced = first[3] ?? null;
  const text = flat
    .slice(first.index + first[0].length)
    .replace(HEAD, (whole, c: string, _sep: string, e: string | undefined) => (Number(c) === code && (e ?? null) === enhanced ? ' ' : whole))
    .replace(/\s+/g, ' ')
    .trim();
  return { code, enhanced, text };
}
