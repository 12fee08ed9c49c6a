/**
 * Mimecast's email security gateway in front of a company's mail, only replies found in public
 * English sources: Mimecast's own "Mimecast SMTP Error Codes" knowledge article (the reason each
 * code gives the sending MTA) and the Mimecast section of ActiveCampaign's SMTP Field Manual, a
 * collection of replies senders received, with published bounces where they add the stage.
 *
 * Mimecast's replies link to that article (`- https://community.mimecast.com/docs/DOC-1369#550`)
 * and end with a reference in brackets (`[aUT_rCR5NlOVu3zyNjaM8g.us516]`); the provider style
 * adds the reference, so it is not part of `text`.
 */
import type { CatalogEntry, EntrySource } from '../entry.js';
import { fieldManual } from '../field-manual.js';
import { entryOf } from '../types.js';

const m = entryOf('mimecast');
const DATE = '2026-12-04';
const ARTICLE: EntrySource = {
  url: 'https://mimecastsupport.zendesk.com/hc/en-us/articles/34000709564691-Policies-Mimecast-SMTP-Error-Codes',
  date: DATE,
  verified: 'verbatim-page',
  note: 'Mimecast SMTP Error Codes: "Reason Given to Sending MTA" and its description (the same article as community.mimecast.com/docs/DOC-1369)',
};
const COPY: EntrySource = { url: 'https://electronicaportatil.com/smtp-error-codes/', date: DATE, verified: 'verbatim-page', note: "a copy of Mimecast's article that shows its 4xx table" };
const manual = (code: 421 | 451 | 550 | 554): EntrySource => fieldManual(code, 'Mimecast (the bracketed reference shown as [#])', DATE);
const DOC = 'https://community.mimecast.com/docs/DOC-1369';

export const entries: readonly CatalogEntry[] = Object.freeze([
  m({
    id: 'mimecast.sender-address-blocked',
    code: 421,
    enhanced: null,
    text: 'Sender address blocked',
    stage: 'connect',
    close: true,
    cause: "The sending IP address is blocked by a Blocked Senders policy of the Mimecast customer.",
    sources: [ARTICLE, COPY],
    note: "The article gives the reason only, without Mimecast's link; it blocks the IP, so it is modelled at the greeting.",
  }),
  m({
    id: 'mimecast.unable-to-process',
    code: 421,
    enhanced: null,
    text: 'Unable to process connection at this time',
    stage: 'connect',
    close: true,
    cause: 'The Mimecast server is under maximum load; the message is processed when the client retries.',
    sources: [ARTICLE, COPY],
    note: "The article gives the reason only, without Mimecast's link.",
  }),
  m({
    id: 'mimecast.greylisted',
    code: 451,
    enhanced: null,
    text: `Internal resource temporarily unavailable - ${DOC}#451`,
    stage: 'rcpt',
    close: false,
    cause: "Mimecast greylists the client (or is fetching fresh reputation for its IP): a correct MTA retries, between one minute and 12 hours later, and gets through.",
    sources: [
      ARTICLE,
      COPY,
      manual(451),
      { url: 'https://dwlistore.dwli.org/knowledgebase/444/Emails-Not-Sending-to-Mimecast-Recipients-.html', date: DATE, verified: 'verbatim-capture', note: 'a session log: RCPT TO answered "451 Internal resource is temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451 [Aj3QXapeMpqZYaeFwWhjzw.us32]"' },
    ],
    note: 'The session log writes "Internal resource is temporarily unavailable"; the article and the collected replies write it without "is", as here.',
  }),
  m({
    id: 'mimecast.open-relay',
    code: 451,
    enhanced: null,
    text: `Open relay not allowed - ${DOC}#451`,
    stage: 'rcpt',
    close: false,
    cause: 'The recipient domain is not one of the Mimecast customer\'s domains, and Mimecast does not relay for the client.',
    sources: [manual(451)],
  }),
  m({
    id: 'mimecast.invalid-recipient',
    code: 451,
    enhanced: null,
    text: `Invalid Recipient - ${DOC}#451`,
    stage: 'rcpt',
    close: false,
    cause: 'The recipient is not a known address of the Mimecast customer; Mimecast answers with a temporary code.',
    sources: [manual(451)],
  }),
  m({
    id: 'mimecast.envelope-blocked',
    code: 550,
    enhanced: null,
    text: `Administrative prohibition - envelope blocked - ${DOC}#550`,
    stage: 'rcpt',
    close: false,
    cause: "The envelope (sender or recipient) matches a block in the Mimecast customer's policies.",
    sources: [manual(550)],
    note: 'The source does not name the command; envelope checks need the recipient, so it is modelled at RCPT.',
  }),
  m({
    id: 'mimecast.envelope-blocked-user-entry',
    code: 550,
    enhanced: null,
    text: `Envelope blocked - User Entry - ${DOC}#550`,
    stage: 'rcpt',
    close: false,
    cause: 'A user of the Mimecast customer has blocked the sender (a personal block list entry).',
    sources: [manual(550)],
    note: 'The source does not name the command; it is modelled at RCPT like the other envelope block.',
  }),
  m({
    id: 'mimecast.anti-spoofing',
    code: 550,
    enhanced: null,
    text: `Rejected by header based Anti-Spoofing policy: {sender} - ${DOC}#550`,
    stage: 'message',
    close: false,
    cause: "The message claims to come from one of the Mimecast customer's own domains but arrives from outside, which its Anti-Spoofing policy blocks (legitimate third-party senders need an exception).",
    sources: [
      manual(550),
      { url: 'https://accredit-solutions.zendesk.com/hc/en-gb/articles/360017721797-550-Rejected-by-header-based-Anti-Spoofing-policy', date: DATE, verified: 'verbatim-capture', note: 'an NDR: "550 Rejected by header based Anti-Spoofing policy: Accreditation@footballclubfc.com - https://community.mimecast.com/docs/DOC-1369#550 [VUJUo2t1Pr-x_8v9fCw5Og.uk90]"' },
      { url: 'https://www.suped.com/learn/dmarc/why-are-emails-bouncing-with-mimecast-anti-spoofing-policy-and-how-to-fix', date: DATE, verified: 'verbatim-capture' },
    ],
    note: 'The address named is the one the message claims to be from; the envelope sender stands for it here.',
  }),
  m({
    id: 'mimecast.blocked-senders',
    code: 550,
    enhanced: null,
    text: `Rejected by header based manually Blocked Senders: {sender} - ${DOC}#550`,
    stage: 'message',
    close: false,
    cause: "The sender's address is on a Blocked Senders list the Mimecast customer keeps by hand.",
    sources: [manual(550)],
  }),
  m({
    id: 'mimecast.security-policies',
    code: 554,
    enhanced: null,
    text: `Email rejected due to security policies - ${DOC}#554`,
    stage: 'message',
    close: false,
    cause: "The message was refused by one of the Mimecast customer's security policies (content, attachment or URL checks).",
    sources: [manual(554)],
  }),
]);
