/**
 * Yahoo Mail and AOL (one inbound platform: yahoodns.net MXs, mta*.mail.*.yahoo.com servers),
 * only replies found in public English sources: Yahoo's "SMTP Error Codes" page for senders
 * (read through a dated copy), Yahoo Help articles, and bounces and logs people published.
 * Yahoo's page describes categories more than wire texts, so most texts are captures; where a
 * source does not say at which stage Yahoo answers, `note` says what was assumed.
 *
 * Yahoo's `dd` errors end with the answering server (`- mta4075.mail.ne1.yahoo.com`); the
 * captured host is kept in the text.
 */
import type { CatalogEntry, EntrySource } from '../entry.js';
import { entryOf } from '../types.js';

const y = entryOf('yahoo');
const DATE = '2026-12-04';
const YAHOO_PAGE: EntrySource = {
  url: 'https://github.com/azumakuniyuki/feb-2024-no-auth-no-entry/blob/dcc8682eebd4439f3d5107f7f39141126ed5d9dd/yahoo-senders-smtp-error-codes/text/yahoo-senders-smtp-error-codes-2026-02-15.txt',
  date: DATE,
  verified: 'verbatim-page',
  note: "a dated text copy (2026-02-15) of Yahoo's https://senders.yahooinc.com/smtp-error-codes/ page",
};
const SMTP_CODES: EntrySource = { url: 'https://smtp.codes/yahoo', date: DATE, verified: 'verbatim-capture', note: 'a collection of replies Yahoo sent, listed under Yahoo (yahoo.com, aol.com, verizon.net)' };
const STAGE_ASSUMED = 'The sources show the reply, not the command it answered; Yahoo refuses a blocked IP before any mail is taken, so it is modelled at the greeting.';

export const entries: readonly CatalogEntry[] = Object.freeze([
  y({
    id: 'yahoo.user-unknown',
    code: 554,
    enhanced: null,
    text: "delivery error: dd This user doesn't have a yahoo.com account ({recipient}) [-5] - mta4083.mail.ne1.yahoo.com",
    stage: 'message',
    close: false,
    cause: 'The Yahoo account the message was sent to does not exist; Yahoo answers after the message data, not at RCPT.',
    sources: [
      { ...YAHOO_PAGE, note: `${YAHOO_PAGE.note}: its failure-notice example, "554 delivery error: dd This user doesn't have a yahoo.com account (testing123@yahoo.com) [-5] - mta123.mail.mud.yahoo.com"` },
      { url: 'https://pastebin.com/qzhDuz6L', date: DATE, verified: 'verbatim-capture', note: 'a Postfix bounce: host mta7.am0.yahoodns.net said: 554 delivery error: dd This user doesn\'t have a yahoo.com account (…) [-9] - mta4083.mail.ne1.yahoo.com (in reply to end of DATA command)' },
      { url: 'https://pastebin.com/jhNwwdZP', date: DATE, verified: 'verbatim-capture', note: 'a qmail bounce with "[0] - mta4075.mail.ne1.yahoo.com"' },
    ],
    note: 'The bracketed number varies between captures ([0], [-5], [-9]); -5 is the one on Yahoo\'s own page.',
  }),
  y({
    id: 'yahoo.requested-action-aborted',
    code: 554,
    enhanced: null,
    text: 'delivery error: dd Requested mail action aborted - mta1054.mail.ir2.yahoo.com',
    stage: 'message',
    close: false,
    cause: 'Yahoo refused the message after its data without saying why; it covers policy refusals of the recipient or the content.',
    sources: [
      { url: 'https://pastebin.com/RgeZSyxd', date: DATE, verified: 'verbatim-capture', note: 'a Postfix bounce from mx-eu.mail.am0.yahoodns.net, "(in reply to end of DATA command)"' },
      { url: 'https://pastebin.com/jJtiRTuu', date: DATE, verified: 'verbatim-capture', note: 'an Exim bounce: "SMTP error from remote mail server after end of data: 554 delivery error: dd Requested mail action aborted - mta4176.mail.sg3.yahoo.com"' },
    ],
  }),
  y({
    id: 'yahoo.account-disabled',
    code: 554,
    enhanced: null,
    text: 'delivery error: dd Sorry your message to {recipient} cannot be delivered. This account has been disabled or discontinued [#102]. - mta1196.mail.gq1.yahoo.com',
    stage: 'message',
    close: false,
    cause: 'The Yahoo account exists but has been disabled or discontinued.',
    sources: [{ url: 'https://pastebin.com/myPzc1kw', date: DATE, verified: 'verbatim-capture', note: 'an Exim mainlog: "SMTP error from remote mail server after end of data: host mta7.am0.yahoodns.net [98.136.216.25]: 554 delivery error: dd Sorry your message to … cannot be delivered. This account has been disabled or discontinued [#102]. - mta1196.mail.gq1.yahoo.com"' }],
  }),
  y({
    id: 'yahoo.tss04-temporarily-deferred',
    code: 421,
    enhanced: '4.7.0',
    text: '[TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes',
    stage: 'connect',
    close: true,
    cause: 'Yahoo sees unusual volume from the sending IP or complaints about its mail, and defers everything from it for a while.',
    sources: [SMTP_CODES, { url: 'https://smtpfieldmanual.com/provider/yahoo/421/4.7.0', date: DATE, verified: 'verbatim-capture' }, YAHOO_PAGE],
    note: STAGE_ASSUMED,
  }),
  y({
    id: 'yahoo.ts03-permanently-deferred',
    code: 421,
    enhanced: '4.7.1',
    text: '[TS03] All messages from {ip} permanently deferred',
    stage: 'connect',
    close: true,
    cause: "Yahoo sees a high volume of messages from the IP that looks like unsolicited bulk mail; it is a temporary code, but Yahoo advises not to resend until the list practices change.",
    sources: [{ url: 'http://help.yahoo.com/kb/index?page=content&y=PROD_MAIL_MOBILE&locale=en_US&id=SLN3436&impressions=false', date: DATE, verified: 'verbatim-page', note: 'Yahoo Help: Receiving "421 4.7.1 [TS03] All messages from x.x.x.x permanently deferred"' }],
    note: STAGE_ASSUMED,
  }),
  y({
    id: 'yahoo.tss09-permanently-deferred',
    code: 553,
    enhanced: '5.7.2',
    text: '[TSS09] All messages from {ip} will be permanently deferred; Retrying will NOT succeed',
    stage: 'connect',
    close: false,
    cause: "Yahoo has blocked the sending IP for good, for its reputation, authentication failures or content; retrying will not help.",
    sources: [{ url: 'https://www.suped.com/knowledge/email-deliverability/troubleshooting/what-causes-yahoo-to-return-tss09-error-and-how-to-resolve-it', date: DATE, verified: 'verbatim-capture', note: 'quotes a sender\'s bounce "553 5.7.2 [TSS09] All messages from X will be permanently deferred; Retrying will NOT succeed"' }],
    note: STAGE_ASSUMED,
  }),
  y({
    id: 'yahoo.bl21-spamhaus',
    code: 553,
    enhanced: '5.7.1',
    text: "[BL21] Connections will not be accepted from {ip}, because the ip is in Spamhaus's list;",
    stage: 'connect',
    close: false,
    cause: 'The sending IP is listed by Spamhaus, which Yahoo consults for every connection.',
    sources: [{ url: 'https://github.com/ActiveCampaign/smtp-field-manual/pull/64', date: DATE, verified: 'verbatim-capture', note: 'Add two 553 error messages from Verizon Media (Yahoo!)' }, YAHOO_PAGE],
  }),
  y({
    id: 'yahoo.bl23-spamhaus-xbl',
    code: 553,
    enhanced: null,
    text: 'Mail from {ip} not allowed - 5.7.1 [BL23] Connections not accepted from IP addresses on Spamhaus XBL;',
    stage: 'connect',
    close: false,
    cause: "The sending IP is on Spamhaus' Exploits Block List (XBL), typically a compromised host or open proxy.",
    sources: [{ url: 'https://github.com/ActiveCampaign/smtp-field-manual/pull/64', date: DATE, verified: 'verbatim-capture' }],
    note: 'Yahoo writes the enhanced code inside the text here, after "not allowed -"; the reply has none of its own.',
  }),
  y({
    id: 'yahoo.policy-reasons',
    code: 554,
    enhanced: '5.7.9',
    text: 'Message not accepted for policy reasons',
    stage: 'message',
    close: false,
    cause: "Yahoo could not verify that the message comes from a legitimate sender: it failed DKIM, SPF or the From domain's DMARC policy.",
    sources: [{ url: 'https://help.yahoo.com/kb/SLN7253.html?impressions=true', date: DATE, verified: 'verbatim-page', note: 'Yahoo Help: Error "554 5.7.9: Message not accepted for policy reasons" when sending email to Yahoo' }],
    note: 'The Help article writes a colon after the enhanced code in its title; the reply text is the words after it.',
  }),
  y({
    id: 'yahoo.sender-unauthenticated',
    code: 550,
    enhanced: '5.7.9',
    text: 'This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.',
    stage: 'message',
    close: false,
    cause: 'The message passed neither SPF nor DKIM, which Yahoo requires of every sender since 2024.',
    sources: [
      { url: 'https://www.autospf.com/blog/why-yahoo-blocks-emails-and-how-to-fix-sender-unauthenticated/', date: DATE, verified: 'verbatim-capture', note: 'quotes the bounce "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM."' },
      YAHOO_PAGE,
    ],
  }),
  y({
    id: 'yahoo.receiving-too-quickly',
    code: 450,
    enhanced: null,
    text: 'User is receiving mail too quickly',
    stage: 'rcpt',
    close: false,
    cause: 'The recipient is receiving mail at a high rate; a later attempt will most likely succeed.',
    sources: [SMTP_CODES],
    note: 'The source does not name the command; a per-recipient rate is modelled at RCPT.',
  }),
  y({
    id: 'yahoo.resources-unavailable',
    code: 451,
    enhanced: null,
    text: 'mta7.am0.yahoodns.net Resources temporarily unavailable. Please try again later [#4.16.1].',
    stage: 'connect',
    close: false,
    cause: "Yahoo's mail servers were busy and could not take the transaction at the time of connection; it usually clears quickly.",
    sources: [SMTP_CODES, { ...YAHOO_PAGE, note: `${YAHOO_PAGE.note}: "Resources temporarily unavailable … at the time of connection"` }],
    note: 'The capture writes the answering host first ("example.yahoo.com" there); an MX name from the other captures is used.',
  }),
  y({
    id: 'yahoo.message-not-allowed',
    code: 554,
    enhanced: null,
    text: 'Message not allowed - [299]',
    stage: 'message',
    close: false,
    cause: "Yahoo refused the message's content or its sending route as not allowed by its policy.",
    sources: [
      { url: 'https://github.com/dart-mailer/mailer/issues/235', date: DATE, verified: 'verbatim-capture', note: '"554 Message not allowed - [299]" for every message to Yahoo' },
      { url: 'https://github.com/dacastro4/laravel-gmail/issues/214', date: DATE, verified: 'verbatim-capture', note: 'the same reply from Yahoo and verizon.net' },
    ],
    note: 'The captures show the text only; a content refusal is modelled after the message data.',
  }),
]);
