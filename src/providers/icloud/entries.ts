/**
 * Apple iCloud Mail (icloud.com, me.com, mac.com; MXs mx01/mx02.mail.icloud.com), only replies
 * found in public English sources. Apple's postmaster page (read through a dated copy) lists no
 * wire texts, only that "most of the errors will also include a URL"; the texts are published
 * captures. iCloud filters with Proofpoint, whose block at the greeting is kept here as iCloud
 * sends it.
 */
import type { CatalogEntry, EntrySource } from '../entry.js';
import { entryOf } from '../types.js';

const i = entryOf('icloud');
const DATE = '2026-12-04';
const SMTP_CODES: EntrySource = { url: 'https://smtp.codes/icloud', date: DATE, verified: 'verbatim-capture', note: 'a collection of replies iCloud Mail sent (icloud.com, me.com, mac.com)' };
const BENTO: EntrySource = { url: 'https://bentonow.com/smtp-errors/apple', date: DATE, verified: 'verbatim-capture' };
const APPLE_PAGE: EntrySource = {
  url: 'https://github.com/azumakuniyuki/feb-2024-no-auth-no-entry/blob/9c3bc9599b52643decc29c6eabdef8348ceaf25e/apple-102322-icloud-postmaster/text/apple-102322-icloud-postmaster-2025-02-26.txt',
  date: DATE,
  verified: 'verbatim-page',
  note: 'a dated copy (2025-02-26) of Apple\'s "Postmaster information for iCloud Mail" (support.apple.com/102322): the cause, not the wording',
};
const STAGE_NOTE = 'The source shows the reply without the command it answered; the stage is where such a check can run.';

export const entries: readonly CatalogEntry[] = Object.freeze([
  i({
    id: 'icloud.user-unknown',
    code: 550,
    enhanced: '5.1.1',
    text: '<{recipient}>: user does not exist',
    stage: 'rcpt',
    close: false,
    cause: 'The iCloud mailbox does not exist (never did, or was deleted).',
    sources: [SMTP_CODES, BENTO],
  }),
  i({
    id: 'icloud.excessive-volume',
    code: 421,
    enhanced: '4.7.1',
    text: 'Messages to {recipient} deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137',
    stage: 'rcpt',
    close: true,
    cause: 'The recipient is receiving mail at a high rate (seed and test addresses often are); iCloud defers the rest for a while.',
    sources: [SMTP_CODES, { ...BENTO, note: '"Full error includes reference to https://support.apple.com/en-us/HT204137"' }],
  }),
  i({
    id: 'icloud.too-many-errors',
    code: 421,
    enhanced: '4.7.0',
    text: 'me.com Error: too many errors',
    stage: 'rcpt',
    close: true,
    cause: 'The client made too many errors (refused commands) in one session, so iCloud ends it.',
    sources: [SMTP_CODES],
    note: `${STAGE_NOTE} "too many errors" follows refused commands, typically recipients, so it is modelled at RCPT.`,
  }),
  i({
    id: 'icloud.service-unavailable',
    code: 451,
    enhanced: '4.7.1',
    text: 'Service unavailable - try again later',
    stage: 'rcpt',
    close: false,
    cause: 'iCloud is not taking mail right now, often at the top of the hour when many senders send to Apple at once.',
    sources: [SMTP_CODES],
    note: STAGE_NOTE,
  }),
  i({
    id: 'icloud.cs01-local-policy',
    code: 550,
    enhanced: '5.7.1',
    text: '[CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137',
    stage: 'message',
    close: false,
    cause: "iCloud's filters (CS codes point to Cloudmark, now Proofpoint) refused the message for the sender's reputation, its authentication or its content.",
    sources: [SMTP_CODES, { url: 'https://www.suped.com/learn/email-deliverability/what-does-apples-message-rejected-due-to-local-policy-error-mean-and-how-can-it-be-resolved', date: DATE, verified: 'verbatim-capture', note: '"550 5.7.1 [CS01] Message rejected due to local policy."' }, APPLE_PAGE],
    note: STAGE_NOTE,
  }),
  i({
    id: 'icloud.hm08-local-policy',
    code: 554,
    enhanced: '5.7.1',
    text: '[HM08] Message rejected due to local policy.',
    stage: 'message',
    close: false,
    cause: "iCloud refused the message under a local filtering policy, usually for its content or links, sometimes suddenly for senders that were fine before.",
    sources: [{ url: 'https://www.suped.com/learn/email-deliverability/what-does-apples-message-rejected-due-to-local-policy-error-mean-and-how-can-it-be-resolved', date: DATE, verified: 'verbatim-capture', note: 'lists "554 5.7.1 [HM08] Message rejected due to local policy."' }],
    note: STAGE_NOTE,
  }),
  i({
    id: 'icloud.dmarc-policy',
    code: 550,
    enhanced: '5.7.1',
    text: 'Your message was rejected due to {fromDomain} DMARC policy.',
    stage: 'message',
    close: false,
    cause: "The message fails DMARC for its From domain, whose policy is reject; iCloud honours the domain's policy.",
    sources: [SMTP_CODES, { ...APPLE_PAGE, note: `${APPLE_PAGE.note}: "If a sending domain publishes a DMARC policy, iCloud Mail honors the domain's policy."` }],
  }),
  i({
    id: 'icloud.spamhaus-dbl',
    code: 550,
    enhanced: '5.7.1',
    text: 'Your email was rejected due to having a domain present in the Spamhaus DBL -- see https://www.spamhaus.org/dbl/',
    stage: 'message',
    close: false,
    cause: "A domain in the message (a link in its content) is on Spamhaus' Domain Block List, which iCloud checks every URL against.",
    sources: [SMTP_CODES],
  }),
  i({
    id: 'icloud.proofpoint-blocked',
    code: 554,
    enhanced: '5.7.0',
    text: 'Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip={ip}',
    stage: 'connect',
    close: false,
    cause: "The sending IP is blocked by Proofpoint's reputation service, which filters iCloud Mail; iCloud refuses it at the greeting.",
    sources: [{ url: 'https://github.com/zone-eu/zone-mta/issues/301', date: DATE, verified: 'verbatim-capture', note: 'ZoneMTA log: connected to mx01.mail.icloud.com, "Invalid greeting. response=554 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=1.1.1.1"' }],
  }),
]);
