/**
 * Proofpoint (Proofpoint Protection Server and Essentials in front of a company's mail; MXs
 * *.pphosted.com), only replies found in public English sources: the Proofpoint section of
 * ActiveCampaign's SMTP Field Manual, a collection of replies senders received, and Proofpoint's
 * help pages where they name the reply. Proofpoint's reputation block (PDR) at the greeting was
 * found only as iCloud sends it (icloud.proofpoint-blocked); its ipcheck wording was seen in
 * code comments without a citable source, so it is not shipped here.
 *
 * Most of these come from the Postfix that Proofpoint runs (`Recipient address rejected: …`);
 * all answer a RCPT TO.
 */
import type { CatalogEntry, EntrySource } from '../entry.js';
import { fieldManual } from '../field-manual.js';
import { entryOf } from '../types.js';

const p = entryOf('proofpoint');
const DATE = '2026-12-04';
const manual = (code: 421 | 451 | 550 | 554): EntrySource => fieldManual(code, 'Proofpoint', DATE);

export const entries: readonly CatalogEntry[] = Object.freeze([
  p({
    id: 'proofpoint.user-unknown',
    code: 550,
    enhanced: '5.1.1',
    text: '<{recipient}>: Recipient address rejected: User unknown',
    stage: 'rcpt',
    close: false,
    cause: 'The recipient is not a valid address of the organisation behind Proofpoint.',
    sources: [manual(550)],
  }),
  p({
    id: 'proofpoint.user-unknown-plain',
    code: 550,
    enhanced: '5.1.1',
    text: 'User Unknown',
    stage: 'rcpt',
    close: false,
    cause: 'The recipient is not a valid address of the organisation behind Proofpoint (the short form some deployments send).',
    sources: [manual(550)],
  }),
  p({
    id: 'proofpoint.not-valid-address',
    code: 550,
    enhanced: '5.1.1',
    text: '- This is not a valid email address. Please verify that you have the correct email address for your recipient.',
    stage: 'rcpt',
    close: false,
    cause: 'The recipient address does not exist at the organisation behind Proofpoint.',
    sources: [manual(550)],
  }),
  p({
    id: 'proofpoint.marked-invalid',
    code: 550,
    enhanced: '5.7.1',
    text: '<{recipient}>: Recipient address rejected: User email address is marked as invalid.',
    stage: 'rcpt',
    close: false,
    cause: "Proofpoint's recipient discovery has listed the address as invalid, so Proofpoint refuses it without asking the mail server behind it.",
    sources: [manual(550)],
  }),
  p({
    id: 'proofpoint.relaying-denied',
    code: 550,
    enhanced: '5.7.1',
    text: 'Relaying denied',
    stage: 'rcpt',
    close: false,
    cause: 'The recipient domain is not one this Proofpoint deployment accepts mail for, and the client may not relay through it.',
    sources: [manual(550)],
  }),
  p({
    id: 'proofpoint.relay-access-denied',
    code: 554,
    enhanced: '5.7.1',
    text: '<{recipient}>: Relay access denied',
    stage: 'rcpt',
    close: false,
    cause: 'Proofpoint refuses to relay to the recipient: its domain is not set up on the account, or (outbound) the sending server is not allowed to relay through Proofpoint Essentials.',
    sources: [
      manual(554),
      { url: 'https://help.proofpoint.com/Proofpoint_Essentials/Email_Security/Administrator_Topics/040_usersandgroups/Outbound_mail_rejected_-_554_5.7.1%3A_Relay_access_denied', date: DATE, verified: 'verbatim-page', note: 'the title of Proofpoint Essentials\' help page, "Outbound mail rejected - 554 5.7.1: Relay access denied", linked from the manual\'s entry' },
    ],
  }),
  p({
    id: 'proofpoint.address-verification-in-progress',
    code: 421,
    enhanced: '4.1.1',
    text: '<{recipient}>: Recipient address rejected: unverified address: Address verification in progress',
    stage: 'rcpt',
    close: true,
    cause: 'Proofpoint is still asking the mail server behind it whether the recipient exists; the client should try again later.',
    sources: [manual(421)],
  }),
]);
