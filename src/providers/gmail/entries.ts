/**
 * Gmail / Google Workspace SMTP replies, one entry per row of Google's "Gmail SMTP errors and
 * codes" reference (support.google.com/a/answer/3726730), in the page's order (116 rows).
 *
 * Texts are Gmail's English wire texts. Where Google's page names a help article ("For more
 * information, go to About SMTP error messages"), Gmail's servers write the article's URL, so the
 * URL is used here. Wordings were checked against real Gmail replies where those could be found;
 * the rest follow Google's English reference.
 *
 * Placeholders, filled in per session: {domain} (envelope sender's), {fromDomain} (the From
 * header's, as DMARC uses it), {ip}, {command}, {address}, {argument},
 * {size} (message bytes), {limit} (server size limit), and message-analysis values: {attachmentCount},
 * {attachmentLimit}, {headerBytesLimit}, {headerCountLimit}, {longestHeader}, {headerValueBytes},
 * {headerValueLimit}, {headerNameBytes}, {headerNameLimit}, {encodedHeader}, {duplicateHeader},
 * {malformedHeader}.
 */
import type { CatalogEntry } from '../entry.js';
import { entryOf } from '../types.js';
import { capture, seedTranslation } from '../sources.js';
import { AUDITED, CAPTURES, DKIM_TODAY, GOOGLE_PAGE, READ, SEED } from './sources.js';

/** About SMTP error messages. */
const ABOUT = 'https://support.google.com/a/answer/3221692';
/** Email sender guidelines. */
const SENDER_GUIDELINES = 'https://support.google.com/mail/answer/81126';
/** Why has Gmail blocked my messages? */
const WHY_BLOCKED = 'https://support.google.com/mail/answer/188131';
/** SMTP relay service error messages. */
const RELAY_ERRORS = 'https://support.google.com/a/answer/6140680';
/** Bulk email senders guidelines / unsolicited rate limit. */
const UNSOLICITED_RATE = 'https://support.google.com/mail/?p=UnsolicitedRateLimitError';
/** RFC 5322 compliance help. */
const RFC_NONCOMPLIANT = 'https://support.google.com/mail/?p=RfcMessageNonCompliant';
/** Gmail message header limits. */
const HEADER_LIMITS = 'https://support.google.com/a?p=header-limits';
/** Gmail receiving limits in Google Workspace. */
const RECEIVING_LIMITS = 'https://support.google.com/a/answer/1366776';
/** HELO/EHLO email error. */
const HELO = 'https://support.google.com/mail/?p=helo';
/** File types blocked in Gmail. */
const BLOCKED_MESSAGE = 'https://support.google.com/mail/?p=BlockedMessage';

const MORE = (url: string): string => `For more information, go to ${url}`;
const RFC5321 = `${MORE(ABOUT)} and review RFC 5321 specifications.`;
const RFC3207 = `${MORE(ABOUT)} and review RFC 3207 specifications.`;
const RFC5322 = `${MORE(RFC_NONCOMPLIANT)} and review RFC 5322 specifications.`;
const BULK_TAIL = `${MORE(UNSOLICITED_RATE)} to review our Bulk Email Senders Guidelines.`;
const SPAM_BLOCKED = 'To reduce the amount of spam sent to Gmail, this message has been blocked.';

const g = entryOf('gmail');

/** The seed's rows, in its order (116). */
const seedRows: readonly CatalogEntry[] = Object.freeze([
  // 1
  g({
    id: 'gmail.receiving-too-fast',
    code: 450,
    enhanced: '4.2.1',
    text: `The user you are trying to contact is receiving mail too quickly. Please resend your message at a later time. If the user is able to receive mail at that time, your message will be delivered. ${MORE('https://support.google.com/mail/?p=ReceivingRate')}`,
    stage: 'rcpt',
    close: false,
    cause: 'The recipient mailbox is receiving messages faster than Gmail allows, so further deliveries are deferred.',
    sources: [SEED],
  }),
  // 2
  g({
    id: 'gmail.rate-limited-recipient',
    code: 450,
    enhanced: '4.2.1',
    text: `The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. Please resend your message at a later time. If the user is able to receive mail at that time, your message will be delivered. ${MORE('https://support.google.com/mail/?p=ReceivingRate')}`,
    stage: 'rcpt',
    close: false,
    cause: "The recipient's incoming mail rate has hit Gmail's receiving limit, so additional messages are temporarily refused.",
    sources: [SEED],
  }),
  // 3
  g({
    id: 'gmail.relay-peak-limit',
    code: 450,
    enhanced: '4.2.1',
    text: `Peak SMTP relay limit exceeded for this customer. This is a temporary error. For more information on SMTP relay limits, contact your administrator or go to ${RELAY_ERRORS}`,
    stage: 'mail',
    close: false,
    cause: "The Workspace customer's peak sending rate through the SMTP relay service has been exceeded.",
    sources: [AUDITED('"exceeded for this customer" and "contact your administrator or go to", as the English row reads')],
  }),
  // 4
  g({
    id: 'gmail.mailbox-full',
    code: 452,
    enhanced: '4.2.2',
    text: "The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp",
    stage: 'rcpt',
    close: false,
    cause: "The recipient's Google storage is full, so the mailbox cannot accept new mail for now.",
    sources: [SEED],
  }),
  // 5
  g({
    id: 'gmail.temporarily-rejected',
    code: 451,
    enhanced: '4.3.0',
    text: `Mail server temporarily rejected message. ${MORE(ABOUT)}`,
    stage: 'message',
    close: false,
    cause: 'The Gmail server could not accept the message because of a transient internal condition.',
    sources: [SEED],
  }),
  // 6
  g({
    id: 'gmail.multiple-destination-domains',
    code: 451,
    enhanced: '4.3.0',
    text: `Multiple destination domains per transaction is unsupported. Please try again. ${RFC5321}`,
    stage: 'rcpt',
    close: false,
    cause: 'The transaction addressed recipients in more than one destination domain, which this server does not support in one transaction.',
    sources: [SEED],
  }),
  // 7
  g({
    id: 'gmail.temporary-system-problem',
    code: 421,
    enhanced: '4.3.0',
    text: `Temporary System Problem. Try again later. ${MORE(ABOUT)}`,
    stage: 'message',
    close: true,
    cause: 'Gmail hit a temporary internal problem while handling the message and closed the session.',
    sources: [SEED],
  }),
  // 8
  g({
    id: 'gmail.timeout',
    code: 451,
    enhanced: '4.4.2',
    text: `Timeout - closing connection. ${MORE(ABOUT)}`,
    stage: 'data',
    close: true,
    cause: 'The client was idle for too long in the middle of the session, so Gmail timed out and closed the connection.',
    sources: [SEED],
  }),
  // 9
  g({
    id: 'gmail.server-busy',
    code: 421,
    enhanced: '4.4.5',
    text: `Server busy, try again later. ${MORE(ABOUT)}`,
    stage: 'connect',
    close: true,
    cause: 'The Gmail server is overloaded and refuses new sessions for now.',
    sources: [SEED],
  }),
  // 10
  g({
    id: 'gmail.protocol-violation',
    code: 451,
    enhanced: '4.5.0',
    text: `SMTP protocol violation. ${RFC5321}`,
    stage: 'message',
    close: false,
    cause: 'The client broke the SMTP protocol, for example with bare line feeds or commands out of order in the data.',
    sources: [SEED],
  }),
  // 11
  g({
    id: 'gmail.domain-policy-size',
    code: 452,
    enhanced: '4.5.3',
    text: `Domain policy size per transaction exceeded, please try this recipient in a separate transaction. ${MORE('https://support.google.com/a/answer/7282433')}`,
    stage: 'rcpt',
    close: false,
    cause: 'The recipients of this transaction carry more domain email policies than Gmail evaluates in one transaction.',
    sources: [SEED],
  }),
  // 12
  g({
    id: 'gmail.too-many-recipients',
    code: 452,
    enhanced: '4.5.3',
    text: `Your message has too many recipients. For more information regarding Google's sending limits, go to https://support.google.com/mail/?p=TooManyRecipientsError`,
    stage: 'rcpt',
    close: false,
    cause: 'The message has more recipients than Google allows in one message.',
    sources: [SEED],
  }),
  // 13
  g({
    id: 'gmail.connection-expired',
    code: 421,
    enhanced: '4.7.0',
    text: `Connection expired, try reconnecting. ${MORE(ABOUT)}`,
    stage: 'mail',
    close: true,
    cause: 'The client reused a session that Gmail has already expired, so it must reconnect.',
    sources: [SEED],
  }),
  // 14
  g({
    id: 'gmail.ip-not-allowlisted',
    code: 421,
    enhanced: '4.7.0',
    text: `IP not in whitelist for RCPT domain, closing connection. ${MORE('https://support.google.com/a/answer/60752')}`,
    stage: 'rcpt',
    close: true,
    cause: "The recipient domain only accepts mail from allowlisted IP addresses and the sending IP is not on its list.",
    sources: [SEED],
  }),
  // 15
  g({
    id: 'gmail.try-again-later',
    code: 421,
    enhanced: '4.7.0',
    text: `Try again later, closing connection. ({command}) ${MORE(ABOUT)}`,
    stage: 'helo',
    close: true,
    cause: 'Gmail is throttling the client at the greeting, usually denial-of-service protection on the SMTP relay at the HELO stage.',
    sources: [SEED],
  }),
  // 16
  g({
    id: 'gmail.missing-ptr-rate-limited',
    code: 421,
    enhanced: '4.7.0',
    text: `The IP address sending this message does not have a PTR record, or the corresponding forward DNS entry does not point to the sending IP. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. ${MORE(`${SENDER_GUIDELINES}#ip-practices`)}`,
    stage: 'message',
    close: true,
    cause: 'The sending IP has no reverse DNS (PTR) record, or the PTR name does not resolve back to the IP.',
    sources: [SEED],
  }),
  // 17
  g({
    id: 'gmail.too-many-login-attempts',
    code: 454,
    enhanced: '4.7.0',
    text: `Too many login attempts, please try again later. ${MORE('https://support.google.com/mail/answer/7126229')}`,
    stage: 'auth',
    close: false,
    cause: 'The account or client has made too many authentication attempts in a short time.',
    sources: [SEED],
  }),
  // 18
  g({
    id: 'gmail.auth-temporary-failure',
    code: 454,
    enhanced: '4.7.0',
    text: `Cannot authenticate due to a temporary system problem. Try again later. ${MORE(ABOUT)}`,
    stage: 'auth',
    close: false,
    cause: 'Gmail could not verify the credentials because of a temporary internal problem.',
    sources: [SEED],
  }),
  // 19
  g({
    id: 'gmail.tls-required',
    code: 421,
    enhanced: '4.7.0',
    text: `TLS required for RCPT domain, closing connection. ${MORE('https://support.google.com/mail/answer/6330403')}`,
    stage: 'rcpt',
    close: true,
    cause: 'The recipient domain requires mail to arrive over TLS and the session was not encrypted.',
    sources: [SEED],
  }),
  // 20
  g({
    id: 'gmail.low-ip-reputation',
    code: 421,
    enhanced: '4.7.0',
    text: `This message is suspicious due to the very low reputation of the sending IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. ${MORE(WHY_BLOCKED)}`,
    stage: 'message',
    close: true,
    cause: 'The sending IP address has a very low reputation at Gmail, so its mail is temporarily rate limited.',
    sources: [SEED],
  }),
  // 21
  g({
    id: 'gmail.low-domain-reputation',
    code: 421,
    enhanced: '4.7.0',
    text: `This message is suspicious due to the very low reputation of the sending domain. To best protect our users from spam, the message has been blocked. ${MORE(WHY_BLOCKED)}`,
    stage: 'message',
    close: true,
    cause: 'The sending domain has a very low reputation at Gmail.',
    sources: [SEED],
  }),
  // 22
  g({
    id: 'gmail.suspicious-content',
    code: 421,
    enhanced: '4.7.0',
    text: `This message is suspicious due to the nature of the content or the links within. To best protect our users from spam, the message has been blocked. ${MORE(WHY_BLOCKED)}`,
    stage: 'message',
    close: true,
    cause: 'The content or the links in the message look like spam or phishing to Gmail.',
    sources: [SEED],
  }),
  // 23
  g({
    id: 'gmail.suspicious-spf-entries',
    code: 451,
    enhanced: '4.7.24',
    text: `The SPF record of the sending domain has one or more suspicious entries. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. ${MORE(`${SENDER_GUIDELINES}#authentication`)}`,
    stage: 'message',
    close: false,
    cause: "The sending domain's SPF record contains suspicious entries, for example overly broad IP ranges.",
    sources: [SEED],
  }),
  // 24
  g({
    id: 'gmail.dmarc-temporary-dns-failure',
    code: 451,
    enhanced: '4.7.26',
    text: "Unauthenticated email from {fromDomain} is not accepted due to domain's DMARC policy, but temporary DNS failures prevent authentication. Please contact the administrator of {fromDomain} domain if this was a legitimate mail. To learn about the DMARC initiative, go to https://support.google.com/mail/?p=DmarcRejection",
    stage: 'message',
    close: false,
    cause: "The message fails the From domain's enforcing DMARC policy as far as Gmail can tell, but DNS lookups failed temporarily so the verdict is deferred.",
    sources: [SEED],
  }),
  // 25
  g({
    id: 'gmail.unauthenticated-rate-limited',
    code: 421,
    enhanced: '4.7.26',
    text: `This mail has been rate limited because it is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. Authentication results: DKIM = did not pass SPF [{domain}] with ip: [{ip}] = did not pass. To resolve this issue, go to ${SENDER_GUIDELINES}`,
    stage: 'message',
    close: true,
    cause: 'The message passed neither SPF nor DKIM, so Gmail rate limits it as unauthenticated mail.',
    sources: [AUDITED('"To resolve this issue, go to" (the seed: "Lös problemet genom att läsa riktlinjerna för e-postavsändare")')],
  }),
  // 26
  g({
    id: 'gmail.spf-rate-limited',
    code: 421,
    enhanced: '4.7.27',
    text: 'This mail has been rate limited because SPF does not pass. Gmail requires all large senders to authenticate with SPF. Authentication results: SPF {domain} with ip: {ip} = did not pass. To resolve this issue, go to https://support.google.com/a/answer/10685031',
    stage: 'message',
    close: true,
    cause: "The sending IP is not authorized by the envelope sender domain's SPF record, which Gmail requires of bulk senders.",
    sources: [AUDITED('the seed\'s row ("Det här e-postmeddelandet har begränsats eftersom SPF inte godkänns…") replaces the older "Your email has been rate limited because SPF authentication didn\'t pass"')],
  }),
  // 27
  g({
    id: 'gmail.dkim-rate-limited',
    code: 421,
    enhanced: '4.7.28',
    text: 'This mail has been rate limited because DKIM does not pass. Gmail requires all large senders to authenticate with DKIM. Authentication results: DKIM = did not pass. For instructions on setting up DKIM authentication, go to https://support.google.com/a/answer/180504',
    stage: 'message',
    close: true,
    cause: 'The message carries no valid DKIM signature, which Gmail requires of bulk senders.',
    sources: [SEED],
  }),
  // 28
  g({
    id: 'gmail.unusual-rate',
    code: 421,
    enhanced: '4.7.28',
    text: `Gmail has detected an unusual rate of unsolicited mail. To protect our users from spam, mail has been temporarily rate limited. ${BULK_TAIL}`,
    stage: 'message',
    close: true,
    cause: 'Gmail sees an unusual rate of unwanted mail from this sender without naming a single identity, so IP, DKIM domain and SPF domain may all be affected.',
    sources: [SEED],
  }),
  // 29
  g({
    id: 'gmail.unusual-rate-ip',
    code: 421,
    enhanced: '4.7.28',
    text: `Gmail has detected an unusual rate of unsolicited mail originating from your IP address [{ip}]. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. ${BULK_TAIL}`,
    stage: 'message',
    close: true,
    cause: 'Recipients report or ignore an unusual share of the mail coming from the sending IP address.',
    sources: [SEED],
  }),
  // 30
  g({
    id: 'gmail.unusual-rate-netblock',
    code: 421,
    enhanced: '4.7.28',
    text: `Gmail has detected an unusual rate of unsolicited mail originating from your IP Netblock [{ip}]. To protect our users from spam, mail sent from your IP Netblock has been temporarily rate limited. ${BULK_TAIL}`,
    stage: 'message',
    close: true,
    cause: 'An unusual rate of unwanted mail comes from the network block that contains the sending IP.',
    sources: [SEED],
  }),
  // 31
  g({
    id: 'gmail.unusual-rate-dkim-domain',
    code: 421,
    enhanced: '4.7.28',
    text: `Gmail has detected an unusual rate of unsolicited mail originating from your DKIM domain [{domain}]. To protect our users from spam, mail sent from your domain has been temporarily rate limited. ${BULK_TAIL}`,
    stage: 'message',
    close: true,
    cause: 'An unusual rate of unwanted mail is signed by the DKIM domain of this message.',
    sources: [SEED],
  }),
  // 32
  g({
    id: 'gmail.unusual-rate-spf-domain',
    code: 421,
    enhanced: '4.7.28',
    text: `Gmail has detected an unusual rate of unsolicited mail originating from your SPF domain [{domain}]. To protect our users from spam, mail sent from your domain has been temporarily rate limited. ${BULK_TAIL}`,
    stage: 'message',
    close: true,
    cause: 'An unusual rate of unwanted mail is sent with the SPF (envelope) domain of this message.',
    sources: [SEED],
  }),
  // 33
  g({
    id: 'gmail.unusual-rate-url-domain',
    code: 421,
    enhanced: '4.7.28',
    text: `Gmail has detected an unusual rate of unsolicited mail containing one of your URL domains. To protect our users from spam, mail with the URL has been temporarily rate limited. ${BULK_TAIL}`,
    stage: 'message',
    close: true,
    cause: 'An unusual rate of unwanted mail contains a link domain that also appears in this message.',
    sources: [SEED],
  }),
  // 34
  g({
    id: 'gmail.unusual-rate-ip-rejected',
    code: 421,
    enhanced: '4.7.28',
    text: `Gmail has detected an unusually high rate of unsolicited mail originating from your IP address [{ip}]. To protect our users from spam, mail sent from your IP address has been temporarily rejected. ${BULK_TAIL}`,
    stage: 'message',
    close: true,
    cause: 'The sending IP sends a very high rate of unwanted mail, so Gmail temporarily rejects its mail outright.',
    sources: [SEED],
  }),
  // 35
  g({
    id: 'gmail.same-message-id-quota',
    code: 421,
    enhanced: '4.7.28',
    text: `Gmail has detected this message exceeded its quota for sending messages with the same Message-ID:. To best protect our users, the message has been temporarily rejected. ${MORE(WHY_BLOCKED)}`,
    stage: 'message',
    close: true,
    cause: 'Too many copies of a message with the same Message-ID header have been sent to Gmail.',
    sources: [SEED],
  }),
  // 36
  g({
    id: 'gmail.tls-not-used-rate-limited',
    code: 421,
    enhanced: '4.7.29',
    text: "Your email has been rate limited because this message wasn't sent over a TLS connection. Gmail requires all bulk email senders to use TLS/SSL for SMTP connections. To set up TLS for email, visit https://support.google.com/a?p=tls-ssl To learn more about Gmail requirements for bulk senders, visit https://support.google.com/a?p=sender-guidelines.",
    lines: [
      "Your email has been rate limited because this message wasn't sent",
      'over a TLS connection. Gmail requires all bulk email senders to use',
      'TLS/SSL for SMTP connections. To set up TLS for email, visit',
      ' https://support.google.com/a?p=tls-ssl',
      'To learn more about Gmail requirements for bulk senders, visit',
      ' https://support.google.com/a?p=sender-guidelines.',
    ],
    stage: 'message',
    close: true,
    cause: 'The message was sent without STARTTLS, and Gmail requires bulk senders to use TLS.',
    sources: [
      capture(
        CAPTURES.tls,
        READ,
        [
          "Your email has been rate limited because this message wasn't sent",
          'over a TLS connection. Gmail requires all bulk email senders to use',
          'TLS/SSL for SMTP connections. To set up TLS for email, visit',
          ' https://support.google.com/a?p=tls-ssl',
          'To learn more about Gmail requirements for bulk senders, visit',
          ' https://support.google.com/a?p=sender-guidelines. ffacd0b85a97d-390e47aafc6si10583781f8f.246 - gsmtp',
        ],
        'Postfix log of 2025-03-05 (one line, "421-4.7.29" marks each break); the log wraps before the last URL, so its two leading spaces are assumed as on the other URL line.',
      ),
      SEED,
    ],
  }),
  // 37
  g({
    id: 'gmail.user-unknown',
    code: 550,
    enhanced: '5.1.1',
    text: `The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. ${MORE('https://support.google.com/mail/?p=NoSuchUser')}`,
    stage: 'rcpt',
    close: false,
    cause: 'The recipient address does not exist at Gmail.',
    sources: [SEED],
  }),
  // 38
  g({
    id: 'gmail.recipient-domain-not-found',
    code: 553,
    enhanced: '5.1.2',
    text: `We weren't able to find the recipient domain. Please check for any spelling errors, and make sure you didn't enter any spaces, periods, or other punctuation after the recipient's email address. ${MORE('https://support.google.com/mail/?p=BadRcptDomain')}`,
    stage: 'rcpt',
    close: false,
    cause: 'The domain part of the recipient address does not exist or is mistyped.',
    sources: [SEED],
  }),
  // 39
  g({
    id: 'gmail.invalid-recipient-address',
    code: 553,
    enhanced: '5.1.3',
    text: `The recipient address <{address}> is not a valid RFC 5321 address. ${RFC5321}`,
    stage: 'rcpt',
    close: false,
    cause: 'The RCPT TO address is not syntactically valid under RFC 5321.',
    sources: [SEED],
  }),
  // 40
  g({
    id: 'gmail.invalid-sender-address',
    code: 553,
    enhanced: '5.1.7',
    text: `The sender address <{address}> is not a valid RFC 5321 address. ${RFC5321}`,
    stage: 'mail',
    close: false,
    cause: 'The MAIL FROM address is not syntactically valid under RFC 5321.',
    sources: [SEED],
  }),
  // 41
  g({
    id: 'gmail.account-inactive',
    code: 550,
    enhanced: '5.2.1',
    text: `The email account that you tried to reach is inactive. ${MORE('https://support.google.com/mail/?p=DisabledUser')}`,
    stage: 'rcpt',
    close: false,
    cause: 'The recipient account exists but has been disabled or is inactive.',
    sources: [SEED],
  }),
  // 42
  g({
    id: 'gmail.receiving-rate-permanent',
    code: 550,
    enhanced: '5.2.1',
    text: `The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. ${MORE('https://support.google.com/mail/?p=ReceivingRatePerm')}`,
    stage: 'rcpt',
    close: false,
    cause: 'The recipient has been receiving mail at a rate over Gmail limits for long enough that the message is refused permanently.',
    sources: [SEED],
  }),
  // 43
  g({
    id: 'gmail.mailbox-full-inactive',
    code: 552,
    enhanced: '5.2.2',
    text: "The recipient's inbox is out of storage space and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm",
    stage: 'rcpt',
    close: false,
    cause: "The recipient's storage is full and the account is inactive, so the mailbox will not accept mail.",
    sources: [SEED],
  }),
  // 44
  g({
    id: 'gmail.message-too-large',
    code: 552,
    enhanced: '5.3.4',
    text: "Your message exceeded Google's message size limits. To view our message size guidelines, go to https://support.google.com/mail/?p=MaxSizeError",
    stage: 'message',
    close: false,
    cause: "The message is larger than Google's maximum message size.",
    sources: [SEED],
  }),
  // 45
  g({
    id: 'gmail.too-many-attachments',
    code: 552,
    enhanced: '5.3.4',
    text: `The number of attachments ({attachmentCount}) exceeds Google's limit of {attachmentLimit} attachments. To view our attachment size guidelines, go to ${RECEIVING_LIMITS}`,
    stage: 'message',
    close: false,
    cause: 'The message has more attachments than Google accepts in one message.',
    sources: [SEED],
  }),
  // 46
  g({
    id: 'gmail.message-size-limit',
    code: 552,
    enhanced: '5.3.4',
    text: `The size of your message ({size} bytes) exceeded Google's message size limits of {limit} bytes. To view our message size guidelines, go to ${RECEIVING_LIMITS}`,
    stage: 'message',
    close: false,
    cause: "The message size in bytes is over the receiving limit of the recipient's Google Workspace.",
    sources: [AUDITED('"exceeded Google\'s message size limits of"')],
  }),
  // 47
  g({
    id: 'gmail.header-size-exceeded',
    code: 552,
    enhanced: '5.3.4',
    text: `Your message exceeded Google's message header size limits. To view our header size guidelines, go to ${HEADER_LIMITS}`,
    stage: 'message',
    close: false,
    cause: "The message header section is larger than Google's header size limit.",
    sources: [SEED],
  }),
  // 48
  g({
    id: 'gmail.header-limits-exceeded',
    code: 552,
    enhanced: '5.3.4',
    text: `Your message exceeded Google's message header size limits. Messages may not exceed {headerBytesLimit} header bytes or {headerCountLimit} header fields. To view our header size guidelines, go to ${HEADER_LIMITS}`,
    stage: 'message',
    close: false,
    cause: 'The message header section has more bytes or more header fields than Google allows.',
    sources: [SEED],
  }),
  // 49
  g({
    id: 'gmail.header-value-too-large',
    code: 552,
    enhanced: '5.3.4',
    text: `The size of the {longestHeader} header value ({headerValueBytes} bytes) exceeds Google's limit of {headerValueLimit} bytes per individual header size. To view our header size guidelines, go to ${HEADER_LIMITS}`,
    stage: 'message',
    close: false,
    cause: 'One named header field has a value larger than Google allows for a single header.',
    sources: [SEED],
  }),
  // 50
  g({
    id: 'gmail.header-value-too-large-unnamed',
    code: 552,
    enhanced: '5.3.4',
    text: `The size of one of the header values ({headerValueBytes} bytes) exceeds Google's limit of {headerValueLimit} bytes per individual header size. To view our header size guidelines, go to ${HEADER_LIMITS}`,
    stage: 'message',
    close: false,
    cause: 'One of the header fields has a value larger than Google allows for a single header.',
    sources: [SEED],
  }),
  // 51
  g({
    id: 'gmail.header-name-too-long',
    code: 552,
    enhanced: '5.3.4',
    text: `The size of a header name ({headerNameBytes} bytes) exceeds Google's header name limit of {headerNameLimit} bytes. To view our header size guidelines, go to ${HEADER_LIMITS}`,
    stage: 'message',
    close: false,
    cause: 'A header field name is longer than Google allows.',
    sources: [SEED],
  }),
  // 52
  g({
    id: 'gmail.subject-header-too-large',
    code: 552,
    enhanced: '5.3.4',
    text: `Your message has a Subject: header that exceeds Google's message header size limit. To view our header size guidelines, go to ${HEADER_LIMITS}`,
    stage: 'message',
    close: false,
    cause: "The Subject header is larger than Google's header size limit.",
    sources: [SEED],
  }),
  // 53
  g({
    id: 'gmail.daily-sending-limit',
    code: 550,
    enhanced: '5.4.5',
    text: 'Daily user sending limit exceeded. For more information on Gmail sending limits go to https://support.google.com/a/answer/166852',
    stage: 'mail',
    close: false,
    cause: 'The authenticated user has reached the daily Gmail sending limit.',
    sources: [AUDITED('"on Gmail sending limits go to"')],
  }),
  // 54
  g({
    id: 'gmail.daily-relay-limit-user',
    code: 550,
    enhanced: '5.4.5',
    text: `Daily SMTP relay limit exceeded for user. For more information on SMTP relay sending limits please contact your administrator or visit ${RELAY_ERRORS}`,
    stage: 'mail',
    close: false,
    cause: 'The sending user has reached the daily SMTP relay sending limit.',
    sources: [SEED],
  }),
  // 55
  g({
    id: 'gmail.mail-loop',
    code: 554,
    enhanced: '5.4.6',
    text: `Message exceeded 50 hops, this may indicate a mail loop. ${MORE('https://support.google.com/mail/?p=MailLoop')}`,
    stage: 'message',
    close: false,
    cause: 'The message has more than 50 Received headers, which usually means it is looping between servers.',
    sources: [SEED],
  }),
  // 56
  g({
    id: 'gmail.bad-sequence',
    code: 503,
    enhanced: '5.5.1',
    text: `Bad sequence of commands. ${RFC5321}`,
    stage: 'unknown',
    close: false,
    cause: 'The client sent a command that is not valid at this point of the SMTP session.',
    sources: [SEED],
  }),
  // 57
  g({
    id: 'gmail.unimplemented-command',
    code: 502,
    enhanced: '5.5.1',
    text: `Unimplemented command. ${MORE(ABOUT)}`,
    stage: 'unknown',
    close: false,
    cause: 'The client sent an SMTP command that Gmail recognizes but does not implement.',
    sources: [SEED],
  }),
  // 58
  g({
    id: 'gmail.unrecognized-command',
    code: 502,
    enhanced: '5.5.1',
    text: `Unrecognized command. ${MORE(ABOUT)}`,
    stage: 'unknown',
    close: false,
    cause: 'The client sent a command Gmail does not know.',
    sources: [SEED],
  }),
  // 59
  g({
    id: 'gmail.too-many-unrecognized-commands',
    code: 502,
    enhanced: '5.5.1',
    text: `Too many unrecognized commands, goodbye. ${MORE(ABOUT)}`,
    stage: 'unknown',
    close: true,
    cause: 'The client sent too many unknown commands, so Gmail ends the session.',
    sources: [SEED],
  }),
  // 60
  g({
    id: 'gmail.no-data-after-bdat',
    code: 503,
    enhanced: '5.5.1',
    text: `No DATA after BDAT. A mail transaction protocol command was issued out of sequence. ${MORE(ABOUT)} and review RFC 3030 specifications.`,
    stage: 'data',
    close: false,
    cause: 'The client sent DATA in a transaction that already started transferring the message with BDAT.',
    sources: [SEED],
  }),
  // 61
  g({
    id: 'gmail.helo-first',
    code: 503,
    enhanced: '5.5.1',
    text: `EHLO/HELO first. A mail transaction protocol command was issued out of sequence. ${MORE(HELO)}`,
    stage: 'mail',
    close: false,
    cause: 'The client started a mail transaction without greeting with EHLO or HELO first.',
    sources: [SEED],
  }),
  // 62
  g({
    id: 'gmail.mail-first',
    code: 503,
    enhanced: '5.5.1',
    text: `MAIL first. A mail transaction protocol command was issued out of sequence. ${RFC5321}`,
    stage: 'rcpt',
    close: false,
    cause: 'The client sent RCPT TO before MAIL FROM.',
    sources: [SEED],
  }),
  // 63
  g({
    id: 'gmail.rcpt-first',
    code: 503,
    enhanced: '5.5.1',
    text: `RCPT first. A mail transaction protocol command was issued out of sequence. ${RFC5321}`,
    stage: 'data',
    close: false,
    cause: 'The client sent DATA before any accepted RCPT TO.',
    sources: [SEED],
  }),
  // 64
  g({
    id: 'gmail.cannot-decode-response',
    code: 501,
    enhanced: '5.5.2',
    text: `Syntax error, cannot decode response. ${MORE(ABOUT)}`,
    stage: 'auth',
    close: false,
    cause: 'The client answered an AUTH challenge with data that is not valid base64.',
    sources: [SEED],
  }),
  // 65
  g({
    id: 'gmail.syntax-error',
    code: 555,
    enhanced: '5.5.2',
    text: `Syntax error. ${RFC5321}`,
    stage: 'mail',
    close: false,
    cause: 'The MAIL FROM or RCPT TO command or its parameters are not valid SMTP syntax.',
    sources: [SEED],
  }),
  // 66
  g({
    id: 'gmail.syntax-error-goodbye',
    code: 555,
    enhanced: '5.5.2',
    text: `Syntax error, goodbye. ${RFC5321}`,
    stage: 'mail',
    close: true,
    cause: 'The client sent a badly malformed command, so Gmail reports the syntax error and ends the session.',
    sources: [SEED],
  }),
  // 67
  g({
    id: 'gmail.too-many-recipients-for-sender',
    code: 550,
    enhanced: '5.5.3',
    text: `Too many recipients for this sender. ${RFC5321}`,
    stage: 'rcpt',
    close: false,
    cause: 'The sender has addressed more recipients than Gmail allows for this sender.',
    sources: [SEED],
  }),
  // 68
  g({
    id: 'gmail.helo-invalid',
    code: 501,
    enhanced: '5.5.4',
    text: `HELO/EHLO argument "{argument}" invalid, closing connection. ${HELO}`,
    stage: 'helo',
    close: true,
    cause: 'The client identified itself in EHLO or HELO with a name that is not a valid domain or address literal.',
    sources: [AUDITED('no "For more information, go to" before the link')],
  }),
  // 69
  g({
    id: 'gmail.helo-empty',
    code: 501,
    enhanced: '5.5.4',
    text: `Empty HELO/EHLO argument not allowed, closing connection. ${HELO}`,
    stage: 'helo',
    close: true,
    cause: 'The client sent EHLO or HELO without a name.',
    sources: [
      capture(
        CAPTURES.pilight,
        READ,
        ['Empty HELO/EHLO argument not allowed, closing connection.', ' https://support.google.com/mail/?p=helo p184sm18287648wmg.3 - gsmtp'],
        'smtp.gmail.com reply recorded 2016-10 as a test fixture (pilight tests/mail.c, "gmail ehlo error").',
      ),
      AUDITED('no "For more information, go to" before the link'),
    ],
  }),
  // 70
  g({
    id: 'gmail.malformed-message',
    code: 554,
    enhanced: '5.6.0',
    text: `Mail message is malformed. Not accepted. ${RFC5322}`,
    stage: 'message',
    close: false,
    cause: 'The message content is not a well-formed RFC 5322 message.',
    sources: [SEED],
  }),
  // 71
  g({
    id: 'gmail.blocked-security-issue',
    code: 552,
    enhanced: '5.7.0',
    text: `This message was blocked because its content presents a potential security issue. To review our message and attachment content guidelines, go to ${BLOCKED_MESSAGE}`,
    stage: 'message',
    close: false,
    cause: 'The message or one of its attachments contains content Gmail blocks as a security risk, such as an executable file.',
    sources: [SEED],
  }),
  // 72
  g({
    id: 'gmail.no-identity-changes',
    code: 503,
    enhanced: '5.7.0',
    text: `No identity changes permitted. ${MORE(ABOUT)}`,
    stage: 'auth',
    close: false,
    cause: 'The client tried to authenticate again after it had already authenticated in this session.',
    sources: [SEED],
  }),
  // 73
  g({
    id: 'gmail.relay-denied',
    code: 550,
    enhanced: '5.7.0',
    text: `Mail relay denied [{ip}]. Invalid credentials for relay for one of the domains in: {domain} (as obtained from HELO and MAIL FROM). Email is being sent from a domain or IP address which isn't registered in your Workspace account. Please login to your Workspace account and verify that your sending device IP address has been registered within the Workspace SMTP Relay Settings. ${MORE(`${RELAY_ERRORS}#maildenied`)}`,
    stage: 'mail',
    close: false,
    cause: 'The SMTP relay service does not know the sending IP or domain as belonging to the Workspace account.',
    sources: [SEED],
  }),
  // 74
  g({
    id: 'gmail.relay-account-suspended',
    code: 550,
    enhanced: '5.7.0',
    text: `Mail relay denied [{ip}]. The sending email account has been temporarily suspended due to unauthorized use. ${MORE(RELAY_ERRORS)}`,
    stage: 'mail',
    close: false,
    cause: 'The sending account has been suspended from the SMTP relay service for abuse under the relay spam policy.',
    sources: [SEED],
    note: 'Google links this row to its "Gmail SMTP relay spam policy" article, whose URL could not be confirmed; the SMTP relay service error messages article is used instead.',
  }),
  // 75
  g({
    id: 'gmail.mail-sending-denied',
    code: 550,
    enhanced: '5.7.0',
    text: `Mail Sending denied. ${MORE(`${RELAY_ERRORS}#maildenied`)}`,
    stage: 'mail',
    close: false,
    cause: 'The sender account is disabled or not registered within the Google Workspace domain.',
    sources: [SEED],
  }),
  // 76
  g({
    id: 'gmail.too-many-unauthenticated-commands',
    code: 554,
    enhanced: '5.7.0',
    text: `Too many unauthenticated commands. ${MORE(ABOUT)}`,
    stage: 'unknown',
    close: true,
    cause: 'The client sent too many commands without authenticating.',
    sources: [SEED],
  }),
  // 77
  g({
    id: 'gmail.auth-required',
    code: 530,
    enhanced: '5.7.0',
    text: `Authentication Required. ${MORE('https://support.google.com/mail/?p=WantAuthError')}`,
    stage: 'mail',
    close: false,
    cause: 'The client tried to send through the submission server without authenticating first.',
    sources: [
      seedTranslation(
        GOOGLE_PAGE,
        READ,
        'Translated back from the Swedish seed of this page. A 2022 capture of smtp.gmail.com (pastebin.com/FbfKGUtT) reads "Authentication Required. Learn more at", the wording Gmail used before it moved to "For more information, go to" (see gmail.bad-credentials); no newer capture was found.',
      ),
    ],
  }),
  // 78
  g({
    id: 'gmail.starttls-required',
    code: 530,
    enhanced: '5.7.0',
    text: `Must issue a STARTTLS command first. ${RFC3207}`,
    stage: 'mail',
    close: false,
    cause: 'The client tried to continue the session in plain text where Gmail requires STARTTLS first.',
    sources: [SEED],
  }),
  // 79
  g({
    id: 'gmail.blocked-security-issue-attachment',
    code: 552,
    enhanced: '5.7.0',
    text: `This message was blocked because its content presents a potential security issue. Please visit ${BLOCKED_MESSAGE} to review our message content and attachment content guidelines.`,
    stage: 'message',
    close: false,
    cause: 'An attachment of the message is of a type Gmail blocks for security reasons.',
    sources: [SEED],
  }),
  // 80
  g({
    id: 'gmail.policy-prohibited',
    code: 550,
    enhanced: '5.7.1',
    text: `The user or domain that you are sending to (or from) has a policy that prohibited the mail that you sent. Please contact your domain administrator for further details. ${MORE('https://support.google.com/a/answer/172179')}`,
    stage: 'message',
    close: false,
    cause: 'An administrator policy of the sending or receiving Workspace domain prohibits this message.',
    sources: [SEED],
  }),
  // 81
  g({
    id: 'gmail.relay-invalid-credentials',
    code: 550,
    enhanced: '5.7.1',
    text: `Invalid credentials for relay [{ip}]. The IP address you've registered in your Workspace SMTP Relay service doesn't match the domain of the account this email is being sent from. If you are trying to relay mail from a domain that isn't registered under your Workspace account or has empty envelope-from:, you must configure your mail server either to use SMTP AUTH to identify the sending domain or to present one of your domain names in the HELO or EHLO command. ${MORE(`${RELAY_ERRORS}#invalidcred`)}`,
    stage: 'mail',
    close: false,
    cause: "The sending IP is registered for the SMTP relay but not for the envelope sender's domain.",
    sources: [AUDITED('"empty envelope-from:,"')],
  }),
  // 82
  g({
    id: 'gmail.likely-unsolicited',
    code: 550,
    enhanced: '5.7.1',
    text: `[{ip}] Gmail has detected that this message is likely unsolicited mail. ${SPAM_BLOCKED} ${MORE('https://support.google.com/mail/?p=UnsolicitedMessageError')}`,
    lines: [
      '[{ip}] Gmail has detected that this message is',
      'likely unsolicited mail. To reduce the amount of spam sent to Gmail,',
      'this message has been blocked. For more information, go to',
      ' https://support.google.com/mail/?p=UnsolicitedMessageError',
    ],
    stage: 'message',
    close: false,
    cause: "Gmail's spam filter classified the message as unsolicited bulk mail.",
    sources: [
      capture(
        CAPTURES.smuggling,
        READ,
        [
          '[ip       7] Gmail has detected that this message is',
          'likely unsolicited mail. To reduce the amount of spam sent to Gmail,',
          'this message has been blocked. For more information, go to',
          ' https://support.google.com/mail/?p=UnsolicitedMessageError 41be03b00d2f7-7fc9c37aa3dsi13433956a12.671 - gsmtp',
        ],
        'smtplib debug of 2024-12-03 (the client IP redacted to "ip"); the seed\'s row begins "Our system has detected that this message is likely unsolicited mail."',
      ),
      SEED,
    ],
  }),
  // 83
  g({
    id: 'gmail.ipv6-sending-guidelines',
    code: 550,
    enhanced: '5.7.1',
    text: `This message does not meet IPv6 sending guidelines regarding PTR records and authentication. ${MORE('https://support.google.com/mail/?p=IPv6AuthError')}`,
    stage: 'message',
    close: false,
    cause: 'The message arrived over IPv6 from an address without a matching PTR record, or without passing SPF or DKIM.',
    sources: [SEED],
  }),
  // 84
  g({
    id: 'gmail.low-ip-reputation-blocked',
    code: 550,
    enhanced: '5.7.1',
    text: `Our system has detected that this message is likely suspicious due to the very low reputation of the sending IP address. To best protect our users from spam, the message has been blocked. ${MORE(WHY_BLOCKED)}`,
    stage: 'message',
    close: false,
    cause: 'The sending IP address has a very low reputation at Gmail.',
    sources: [SEED],
  }),
  // 85
  g({
    id: 'gmail.low-domain-reputation-blocked',
    code: 550,
    enhanced: '5.7.1',
    text: `Our system has detected that this message is likely suspicious due to the very low reputation of the sending domain. To best protect our users from spam, the message has been blocked. ${MORE(WHY_BLOCKED)}`,
    stage: 'message',
    close: false,
    cause: 'The sending domain has a very low reputation at Gmail.',
    sources: [SEED],
  }),
  // 86
  g({
    id: 'gmail.from-header-invalid',
    code: 550,
    enhanced: '5.7.1',
    text: `Messages missing a valid address in the From: header, or having no From: header, are not accepted. ${RFC5322}`,
    stage: 'message',
    close: false,
    cause: 'The From header is missing or does not hold a valid address.',
    sources: [SEED],
  }),
  // 87
  g({
    id: 'gmail.message-id-missing',
    code: 550,
    enhanced: '5.7.1',
    text: `Messages missing a valid Message-ID: header are not accepted. ${RFC5322}`,
    stage: 'message',
    close: false,
    cause: 'The message has no Message-ID header, or its value is not valid.',
    sources: [SEED],
  }),
  // 88
  g({
    id: 'gmail.multiple-from-addresses',
    code: 550,
    enhanced: '5.7.1',
    text: `Messages with multiple addresses in From: header are not accepted. ${RFC5322}`,
    stage: 'message',
    close: false,
    cause: 'The From header lists more than one address.',
    sources: [SEED],
  }),
  // 89
  g({
    id: 'gmail.unicode-in-header',
    code: 550,
    enhanced: '5.7.1',
    text: `The message contains a unicode character in a disallowed header. To review our message and header content guidelines, go to ${BLOCKED_MESSAGE}`,
    stage: 'message',
    close: false,
    cause: 'A header field that must be ASCII contains a raw Unicode character.',
    sources: [SEED],
  }),
  // 90
  g({
    id: 'gmail.duplicate-headers',
    code: 550,
    enhanced: '5.7.1',
    text: `This message is not RFC 5322 compliant because it has duplicate headers. ${SPAM_BLOCKED} ${RFC5322}`,
    stage: 'message',
    close: false,
    cause: 'The message repeats header fields that RFC 5322 allows only once.',
    sources: [SEED],
  }),
  // 91
  g({
    id: 'gmail.from-header-missing',
    code: 550,
    enhanced: '5.7.1',
    text: `This message is not RFC 5322 compliant because the From: header is missing. ${SPAM_BLOCKED} ${RFC5322}`,
    stage: 'message',
    close: false,
    cause: 'The message has no From header.',
    sources: [SEED],
  }),
  // 92
  g({
    id: 'gmail.multiple-from-headers',
    code: 550,
    enhanced: '5.7.1',
    text: `This message is not RFC 5322 compliant because it has multiple From: headers. ${SPAM_BLOCKED} ${RFC5322}`,
    stage: 'message',
    close: false,
    cause: 'The message has more than one From header.',
    sources: [SEED],
  }),
  // 93
  g({
    id: 'gmail.from-header-noncompliant-domain',
    code: 550,
    enhanced: '5.7.1',
    text: `This message is not RFC 5322 compliant because the From: header has a domain name that is not compliant. ${SPAM_BLOCKED} ${RFC5322}`,
    stage: 'message',
    close: false,
    cause: 'The domain in the From header address is not a valid domain name.',
    sources: [SEED],
  }),
  // 94
  g({
    id: 'gmail.rate-limited',
    code: 550,
    enhanced: '5.7.1',
    text: `This mail has been rate limited. ${MORE('https://support.google.com/mail/answer/22839')}`,
    stage: 'mail',
    close: false,
    cause: 'The sender has gone over a Gmail sending rate limit.',
    sources: [SEED],
  }),
  // 95
  g({
    id: 'gmail.ip-not-authorized',
    code: 550,
    enhanced: '5.7.1',
    text: `The IP you're using to send mail is not authorized to send email directly to our servers. Use the SMTP relay at your service provider instead. ${MORE('https://support.google.com/mail/?p=NotAuthorizedError')}`,
    stage: 'message',
    close: false,
    cause: 'The sending IP is in a range, such as a dynamic or residential block, that may not deliver directly to Gmail.',
    sources: [AUDITED('"Use the SMTP relay" (no "Please")')],
  }),
  // 96
  g({
    id: 'gmail.daily-relay-limit-customer',
    code: 550,
    enhanced: '5.7.1',
    text: `Daily SMTP relay sending limit exceeded for customer. For more information on SMTP relay sending limits please contact your administrator or visit ${RELAY_ERRORS}`,
    stage: 'mail',
    close: false,
    cause: 'The Workspace customer has reached its daily SMTP relay sending limit.',
    sources: [SEED],
  }),
  // 97
  g({
    id: 'gmail.encoded-word-in-header-name',
    code: 550,
    enhanced: '5.7.1',
    text: `Encoded-word syntax is not permitted in message header {encodedHeader}. ${SPAM_BLOCKED} ${RFC5322}`,
    stage: 'message',
    close: false,
    cause: 'A header field name contains RFC 2047 encoded-word syntax, which is only allowed in some header values.',
    sources: [SEED],
  }),
  // 98
  g({
    id: 'gmail.multiple-headers',
    code: 550,
    enhanced: '5.7.1',
    text: `This message is not RFC 5322 compliant. There are multiple {duplicateHeader} headers. ${SPAM_BLOCKED} ${RFC5322}`,
    stage: 'message',
    close: false,
    cause: 'The message repeats a header field, such as Subject or Cc, that RFC 5322 allows only once.',
    sources: [SEED],
  }),
  // 99
  g({
    id: 'gmail.malformed-header',
    code: 550,
    enhanced: '5.7.1',
    text: `This message is not RFC 5322 compliant. There is a malformed {malformedHeader} header. ${SPAM_BLOCKED} ${RFC5322}`,
    stage: 'message',
    close: false,
    cause: 'A header field of the message does not follow RFC 5322 syntax.',
    sources: [SEED],
  }),
  // 100
  g({
    id: 'gmail.pipelining-after-starttls',
    code: 523,
    enhanced: '5.7.10',
    text: `SMTP protocol violation, no commands allowed to pipeline after STARTTLS. ${RFC3207}`,
    stage: 'starttls',
    close: false,
    cause: 'The client pipelined further commands behind STARTTLS before the TLS handshake.',
    sources: [SEED],
  }),
  // 101
  g({
    id: 'gmail.starttls-syntax-error',
    code: 501,
    enhanced: '5.7.11',
    text: `Syntax error (no parameters allowed). ${RFC3207}`,
    stage: 'starttls',
    close: false,
    cause: 'The client sent STARTTLS with parameters, which the command does not take.',
    sources: [SEED],
  }),
  // 102
  g({
    id: 'gmail.web-login-required',
    code: 534,
    enhanced: '5.7.14',
    text: `Please log in through your web browser and then try again. ${MORE('https://support.google.com/mail/answer/78754')}`,
    stage: 'auth',
    close: false,
    cause: 'Google blocked the sign-in as suspicious until the user confirms it by signing in through a web browser.',
    sources: [SEED],
  }),
  // 103
  g({
    id: 'gmail.suspicious-spf-entries-blocked',
    code: 550,
    enhanced: '5.7.24',
    text: `The SPF record of the sending domain has one or more suspicious entries. ${MORE(`${SENDER_GUIDELINES}#authentication`)}`,
    stage: 'message',
    close: false,
    cause: "The sending domain's SPF record contains suspicious entries, for example overly broad IP ranges.",
    sources: [SEED],
  }),
  // 104
  g({
    id: 'gmail.missing-ptr',
    code: 550,
    enhanced: '5.7.25',
    text: `The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP. As a policy, Gmail does not accept messages from IPs with missing PTR records. ${MORE(`${SENDER_GUIDELINES}#ip-practices`)}`,
    stage: 'message',
    close: false,
    cause: 'The sending IP has no reverse DNS (PTR) record, or the PTR name does not resolve back to the IP.',
    sources: [SEED],
  }),
  // 105
  g({
    id: 'gmail.ptr-mismatch',
    code: 550,
    enhanced: '5.7.25',
    text: `The sending IP does not match the IP address of the hostname specified in the pointer (PTR) record. ${MORE(`${SENDER_GUIDELINES}#ip-practices`)}`,
    stage: 'message',
    close: false,
    cause: 'The host name in the PTR record of the sending IP resolves to a different IP address.',
    sources: [SEED],
  }),
  // 106
  g({
    id: 'gmail.unauthenticated-blocked',
    code: 550,
    enhanced: '5.7.26',
    text: `Your email has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. Authentication results: DKIM = did not pass SPF [{domain}] with ip: [{ip}] = did not pass For instructions on setting up authentication, go to ${SENDER_GUIDELINES}#authentication`,
    lines: [
      'Your email has been blocked because the sender is unauthenticated.',
      'Gmail requires all senders to authenticate with either SPF or DKIM.',
      '',
      ' Authentication results:',
      ' DKIM = did not pass',
      ' SPF [{domain}] with ip: [{ip}] = did not pass',
      '',
      ' For instructions on setting up authentication, go to',
      ` ${SENDER_GUIDELINES}#authentication`,
    ],
    stage: 'message',
    close: false,
    cause: 'The message passed neither SPF nor DKIM.',
    sources: [
      capture(
        CAPTURES.unauthenticated,
        READ,
        [
          'Your email has been blocked because the sender is unauthenticated.',
          'Gmail requires all senders to authenticate with either SPF or DKIM.',
          '',
          ' Authentication results:',
          ' DKIM = did not pass',
          ' SPF [mxproxy.ogion.cz] with ip: [2a03:3b40:fe:81::1] = did not pass',
          '',
          ' For instructions on setting up authentication, go to',
          ' https://support.google.com/mail/answer/81126#authentication a640c23a62f3a-aac0eff19desi1759812166b.313 - gsmtp',
        ],
        'Postfix log of 2025-01-02, lines joined with one space ("550-5.7.26  550-5.7.26" is an empty line). An Exim bounce of 2023-10 (github.com/cloudflare/cloudflare-docs/issues/11542) shows the same layout with the older first line "This mail has been blocked because the sender is unauthenticated."',
      ),
      SEED,
    ],
  }),
  // 107
  g({
    id: 'gmail.spf-hard-fail',
    code: 550,
    enhanced: '5.7.26',
    text: `The MAIL FROM domain [{domain}] has an SPF record with a hard fail policy (-all) but it fails to pass SPF checks with the ip: [{ip}]. To best protect our users from spam and phishing, the message has been blocked. ${MORE(`${SENDER_GUIDELINES}#authentication`)}`,
    stage: 'message',
    close: false,
    cause: "The sending IP fails the envelope sender domain's SPF record, which ends in a hard fail (-all).",
    sources: [SEED],
  }),
  // 108
  g({
    id: 'gmail.dmarc-policy',
    code: 550,
    enhanced: '5.7.26',
    text: "Unauthenticated email from {fromDomain} is not accepted due to domain's DMARC policy. Please contact the administrator of {fromDomain} domain if this was a legitimate mail. To learn about the DMARC initiative, go to https://support.google.com/mail/?p=DmarcRejection",
    stage: 'message',
    close: false,
    cause: "The message fails DMARC for its From domain, whose DMARC policy tells receivers to reject such mail.",
    sources: [SEED],
  }),
  // 109
  g({
    id: 'gmail.spf-blocked',
    code: 550,
    enhanced: '5.7.27',
    text: 'This mail has been blocked because SPF does not pass. Gmail requires all large senders to authenticate with SPF. Authentication results: SPF {domain} with ip: {ip} = did not pass. For instructions on setting up SPF authentication, go to https://support.google.com/a/answer/10685031',
    stage: 'message',
    close: false,
    cause: "The sending IP is not authorized by the envelope sender domain's SPF record, which Gmail requires of bulk senders.",
    sources: [SEED],
  }),
  // 110
  g({
    id: 'gmail.dkim-blocked',
    code: 550,
    enhanced: '5.7.28',
    text: 'This mail has been blocked because DKIM does not pass. Gmail requires all large senders to authenticate with DKIM. Authentication results: DKIM = did not pass. For instructions on setting up DKIM authentication, go to https://support.google.com/a/answer/180504',
    stage: 'message',
    close: false,
    cause: 'The message carries no valid DKIM signature, which Gmail requires of bulk senders.',
    sources: [SEED],
  }),
  // 111
  g({
    id: 'gmail.unusual-rate-ip-blocked',
    code: 550,
    enhanced: '5.7.28',
    text: `There is an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been blocked. To review our bulk email senders guidelines, go to ${SENDER_GUIDELINES}`,
    stage: 'message',
    close: false,
    cause: 'The sending IP sends so much unwanted mail that Gmail blocks its mail outright.',
    sources: [SEED],
  }),
  // 112
  g({
    id: 'gmail.unrecognized-auth-type',
    code: 504,
    enhanced: '5.7.4',
    text: `Unrecognized authentication type. ${MORE(ABOUT)}`,
    stage: 'auth',
    close: false,
    cause: 'The client asked for a SASL mechanism that Gmail does not offer.',
    sources: [SEED],
  }),
  // 113
  g({
    id: 'gmail.xoauth-unsupported',
    code: 504,
    enhanced: '5.7.4',
    text: 'XOAUTH is no longer supported. For more information, go to XOAUTH Migration | Gmail | Google for Developers.',
    stage: 'auth',
    close: false,
    cause: 'The client used the retired XOAUTH mechanism instead of XOAUTH2.',
    sources: [SEED],
    note: 'Google links this row to its developer article "XOAUTH Migration"; no reply carrying its URL was found, so the link title is kept as text.',
  }),
  // 114
  g({
    id: 'gmail.bad-credentials',
    code: 535,
    enhanced: '5.7.8',
    text: `Username and Password not accepted. ${MORE('https://support.google.com/mail/?p=BadCredentials')}`,
    lines: ['Username and Password not accepted. For more information, go to', ' https://support.google.com/mail/?p=BadCredentials'],
    stage: 'auth',
    close: false,
    cause: 'The user name or password is wrong, or the account does not allow password sign-in for this client.',
    sources: [
      capture(
        CAPTURES.badCredentials,
        READ,
        ['Username and Password not accepted. For more information, go to', ' https://support.google.com/mail/?p=BadCredentials af79cd13be357-794f3061475sm18893085a.74 - gsmtp'],
        'nodemailer error of 2024-05-31 from smtp.gmail.com. Captures up to 2022 (e.g. pastebin.com/FbfKGUtT) read "Learn more at" instead.',
      ),
      SEED,
    ],
  }),
  // 115
  g({
    id: 'gmail.app-password-required',
    code: 534,
    enhanced: '5.7.9',
    text: `Application-specific password required. ${MORE('https://support.google.com/mail/?p=InvalidSecondFactor')}`,
    stage: 'auth',
    close: false,
    cause: 'The account uses 2-Step Verification, so SMTP sign-in needs an app password instead of the account password.',
    sources: [SEED],
  }),
  // 116
  g({
    id: 'gmail.web-login-required-app',
    code: 534,
    enhanced: '5.7.9',
    text: `Please log in with your web browser and then try again. ${MORE('https://support.google.com/mail/?p=WebLoginRequired')}`,
    stage: 'auth',
    close: false,
    cause: 'Google requires the user to sign in through a web browser before this client may authenticate.',
    sources: [SEED],
  }),
]);

/**
 * Replies Gmail sends today under a code the seed gives otherwise: where the two disagree both
 * ship, each sourced, and the shipped scenario uses these.
 */
export const todaysOnly: readonly CatalogEntry[] = Object.freeze([
  g({
    id: 'gmail.dkim-rate-limited-4-7-30',
    code: 421,
    enhanced: '4.7.30',
    text: 'This mail has been rate limited because DKIM does not pass. Gmail requires all large senders to authenticate with DKIM. Authentication results: DKIM = did not pass. For instructions on setting up DKIM authentication, go to https://support.google.com/a/answer/180504',
    stage: 'message',
    close: true,
    cause: 'The message carries no valid DKIM signature, which Gmail requires of bulk senders (the code Gmail uses today; the seed has 4.7.28).',
    sources: [DKIM_TODAY],
  }),
  g({
    id: 'gmail.dkim-blocked-5-7-30',
    code: 550,
    enhanced: '5.7.30',
    text: 'This mail has been blocked because DKIM does not pass. Gmail requires all large senders to authenticate with DKIM. Authentication results: DKIM = did not pass. For instructions on setting up DKIM authentication, go to https://support.google.com/a/answer/180504',
    stage: 'message',
    close: false,
    cause: 'The message carries no valid DKIM signature, which Gmail requires of bulk senders (the code Gmail uses today; the seed has 5.7.28).',
    sources: [DKIM_TODAY],
  }),
]);

/** Every Gmail entry: the seed's rows, then today's variants. */
export const entries: readonly CatalogEntry[] = Object.freeze([...seedRows, ...todaysOnly]);
