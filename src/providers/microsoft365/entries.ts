/**
 * Microsoft 365 / Exchange Online replies, one entry per row of the "Microsoft 365 bounces" table
 * of GoDaddy's "Fix rejected email with a bounce error" guide (GoDaddy resells Microsoft 365), in
 * the guide's order. The guide's garbled 5.4.318 / 4.4.318 line is two rows.
 *
 * Texts are Exchange Online's English wire texts, keeping the `AS(nnnn)` tag where known. The
 * bracketed front-end server name (e.g. `[BN8NAM12FT061.eop-nam12.prod.protection.outlook.com]`)
 * is added by the provider style and is not part of `text`.
 */
import type { CatalogEntry } from '../entry.js';
import { entryOf } from '../types.js';
import { SEED } from './sources.js';

const m = entryOf('microsoft365');

export const entries: readonly CatalogEntry[] = Object.freeze([
  m({
    id: 'microsoft365.5.1.1-recipient-not-found',
    code: 550,
    enhanced: '5.1.1',
    text: 'RESOLVER.ADR.ExRecipNotFound; not found',
    stage: 'message',
    close: false,
    cause: "Exchange's recipient resolver could not find the addressee, typically because the sender picked a stale entry from Outlook's nickname (autocomplete) cache.",
    sources: [SEED],
    note: 'The guide shows no basic code; Exchange reports this as "550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found". It is raised by the resolver after the message was submitted, in a non-delivery report.',
    afterAcceptance: true,
  }),
  m({
    id: 'microsoft365.5.4.1-recipient-rejected',
    code: 550,
    enhanced: '5.4.1',
    text: 'Recipient address rejected: Access denied. AS(201806281)',
    stage: 'rcpt',
    close: false,
    cause: 'Directory-based edge blocking rejected the recipient because it is not a valid address in the receiving tenant, or the domain is not set up to receive mail in Microsoft 365.',
    sources: [SEED],
  }),
  m({
    id: 'microsoft365.5.4.318-message-expired',
    code: 550,
    enhanced: '5.4.318',
    text: 'Message expired, connection reset',
    stage: 'message',
    close: false,
    cause: 'Microsoft 365 gave up delivering the message because the receiving server kept resetting the connection until the message expired, often because it refuses unauthenticated (no DKIM) mail.',
    sources: [SEED],
    note: 'The guide writes "550 5.4.3118", a typo: Exchange Online\'s code for a message that expired after connection resets is 5.4.318 (in the 5.4.3xx family next to 5.4.316 "Message expired, connection refused"). Microsoft 365 reports it in a non-delivery report after it accepted the message.',
    afterAcceptance: true,
  }),
  m({
    id: 'microsoft365.4.4.318-connection-closed',
    code: 450,
    enhanced: '4.4.318',
    text: 'Connection was closed abruptly',
    stage: 'message',
    close: false,
    cause: 'While Microsoft 365 was delivering the message, the receiving server or a firewall in front of it dropped the connection, so the delivery is deferred and retried.',
    sources: [SEED],
    note: 'The guide writes "50 4.4.318 Connection dropped abruptly" (the leading digit is lost; some copies read "550 4.4.318"). Microsoft documents this deferral as "450 4.4.318 Connection was closed abruptly"; a 5xx code with a 4.x.x enhanced code would be of mixed classes, so 450 and Microsoft\'s wording are used. It is a queue deferral reported after acceptance, not a reply to the sending client.',
    afterAcceptance: true,
  }),
  m({
    id: 'microsoft365.5.1.8-bad-outbound-sender',
    code: 550,
    enhanced: '5.1.8',
    text: 'Access denied, bad outbound sender AS(42004)',
    stage: 'mail',
    close: false,
    cause: "The sending account was put on Microsoft's restricted users list after it sent mail classified as outbound spam.",
    sources: [SEED],
    note: 'The guide shows "550 5.1.8 Access denied, bad outbound sender"; Exchange Online sends it with the AS(42004) tag.',
  }),
  m({
    id: 'microsoft365.5.7.705-tenant-threshold',
    code: 550,
    enhanced: '5.7.705',
    text: 'Service unavailable. Access denied, tenant has exceeded threshold',
    stage: 'mail',
    close: false,
    cause: "Most of the tenant's outbound traffic was detected as suspicious, usually after an account compromise or bulk sending, so the whole tenant is banned from sending.",
    sources: [SEED],
  }),
  m({
    id: 'microsoft365.5.7.520-external-forwarding-blocked',
    code: 550,
    enhanced: '5.7.520',
    text: 'Access denied, Your organization does not allow external forwarding. Please contact your administrator for further assistance. AS(7555)',
    stage: 'message',
    close: false,
    cause: "The mailbox automatically forwards mail to an external address and the tenant's outbound spam policy blocks external forwarding, as it does by default.",
    sources: [SEED],
    note: 'The guide quotes only "Your organization does not allow external forwarding" without a code; Exchange Online returns the forwarded message in a non-delivery report with "550 5.7.520 Access denied, Your organization does not allow external forwarding. Please contact your administrator for further assistance. AS(7555)".',
    afterAcceptance: true,
  }),
  m({
    id: 'microsoft365.5.7.708-ip-blocked',
    code: 550,
    enhanced: '5.7.708',
    text: 'Service unavailable. Access denied, traffic not accepted from this IP. For more information please go to http://go.microsoft.com/fwlink/?LinkId=526653 AS(843)',
    stage: 'mail',
    close: false,
    cause: 'The tenant sends from IP addresses of known low reputation, which typically happens to new or trial Microsoft 365 tenants.',
    sources: [SEED],
  }),
]);
