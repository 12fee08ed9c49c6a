/**
 * Where Microsoft 365's wording comes from: the "Microsoft 365 bounces" table of GoDaddy's guide
 * (known from its Swedish seed), Microsoft's NDR reference, and public captures.
 */
import { seedTranslation } from '../sources.js';

/** When the sources below were read. */
export const READ = '2026-12-04';
/** GoDaddy's guide, whose last table lists these replies. */
export const GODADDY_PAGE = 'https://sg.godaddy.com/help/fix-rejected-email-with-a-bounce-error-40685';
/** A row known only from the Swedish seed of that guide, translated back. */
export const SEED = seedTranslation(GODADDY_PAGE, READ, 'Translated back from the Swedish seed of GoDaddy\'s guide (its "Microsoft 365 bounces" table); the English excerpt read does not reach this table.');
/** Microsoft's NDR reference for 5.7.700–5.7.750, as the search returned it (a mirror of learn.microsoft.com). */
export const NDR_5_7_7XX = 'https://azure.microsofts.workers.dev/en-us/Exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-5-7-700-through-5-7-750';
/** Public captures of Exchange Online's replies. */
export const CAPTURES = {
  /** A 2023-06 mxtoolbox SMTP test against a tenant's MX: greeting, EHLO order, MAIL and RCPT replies. */
  session: 'https://github.com/ietf-tools/datatracker/pull/5888',
  /** A 2023-05 Exim bounce: a newer reply bracketing server, timestamp and id. */
  bracketed: 'https://pastebin.com/ExQUnA6B',
} as const;
