/**
 * Every message-stage catalog entry whose cause shows in the message itself is decidable from
 * the analysis: for each, a predicate over MessageAnalysis (as a rule would write it) is true
 * for a message with the defect and false for one without. Limits are scaled down so the test
 * messages stay small. Entries whose cause lies outside the message (IP reputation, SPF, DKIM,
 * DMARC, PTR, rates, mailbox state) are listed so a new catalog entry cannot go unnoticed.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG, findEntry } from '../../src/catalog/index.js';
import { analyzeMessage, EICAR, GTUBE, type MessageAnalysis } from '../../src/checks/index.js';
import { BASE_HEADERS, compose, headersWith, input, raw } from './helpers.js';

interface Decidable {
  readonly id: string;
  readonly when: (a: MessageAnalysis) => boolean;
  readonly positive: () => Buffer | Promise<Buffer>;
  readonly negative?: () => Buffer | Promise<Buffer>;
}

const clean = () => raw(BASE_HEADERS);
const HEADER_LIMIT = 1_000;
const FIELD_LIMIT = 20;
const VALUE_LIMIT = 200;
const NAME_LIMIT = 50;
const SIZE_LIMIT = 5_000;
const ATTACHMENT_LIMIT = 3;

const fromInvalid = (a: MessageAnalysis) => a.from.count === 0 || a.from.addresses.length === 0 || a.from.invalidDomain;

const DECIDABLE: readonly Decidable[] = [
  { id: 'gmail.protocol-violation', when: (a) => a.bareLineFeeds, positive: () => raw(BASE_HEADERS, 'bare\nLF\r\n') },
  { id: 'gmail.suspicious-content', when: (a) => a.gtube, positive: () => compose({ text: GTUBE }) },
  { id: 'gmail.likely-unsolicited', when: (a) => a.gtube, positive: () => compose({ html: `<p>${GTUBE}</p>` }) },
  { id: 'gmail.message-too-large', when: (a) => a.size > SIZE_LIMIT, positive: () => raw(BASE_HEADERS, 'x'.repeat(SIZE_LIMIT)) },
  { id: 'gmail.message-size-limit', when: (a) => a.size > SIZE_LIMIT, positive: () => compose({ attachments: [{ filename: 'a.pdf', content: Buffer.alloc(SIZE_LIMIT) }] }) },
  { id: 'gmail.too-many-attachments', when: (a) => a.attachmentCount > ATTACHMENT_LIMIT, positive: () => compose({ attachments: ['a', 'b', 'c', 'd'].map((n) => ({ filename: `${n}.pdf`, content: n })) }) },
  { id: 'gmail.header-size-exceeded', when: (a) => a.headerBytes > HEADER_LIMIT, positive: () => raw(headersWith([`X-Big: ${'b'.repeat(HEADER_LIMIT)}`])) },
  { id: 'gmail.header-limits-exceeded', when: (a) => a.headerBytes > HEADER_LIMIT || a.headerCount > FIELD_LIMIT, positive: () => raw(headersWith(Array.from({ length: FIELD_LIMIT }, (_, i) => `X-F${i}: v`))) },
  { id: 'gmail.header-value-too-large', when: (a) => a.longestHeaderValue.bytes > VALUE_LIMIT && a.longestHeaderValue.name === 'x-big', positive: () => raw(headersWith([`X-Big: ${'b'.repeat(VALUE_LIMIT + 1)}`])) },
  { id: 'gmail.header-value-too-large-unnamed', when: (a) => a.longestHeaderValue.bytes > VALUE_LIMIT, positive: () => raw(headersWith([`References: ${'<a@b> '.repeat(40)}`])) },
  { id: 'gmail.header-name-too-long', when: (a) => a.longestHeaderName.bytes > NAME_LIMIT, positive: () => raw(headersWith([`X-${'n'.repeat(NAME_LIMIT)}: v`])) },
  { id: 'gmail.subject-header-too-large', when: (a) => a.subjectBytes > VALUE_LIMIT, positive: () => compose({ subject: 'ü'.repeat(VALUE_LIMIT / 2), text: 'x' }), negative: () => compose({ subject: 'short', text: 'x' }) },
  { id: 'gmail.mail-loop', when: (a) => a.receivedCount > 50, positive: () => raw(headersWith(Array.from({ length: 51 }, (_, i) => `Received: from h${i}`))) },
  { id: 'gmail.malformed-message', when: (a) => a.malformed, positive: () => Buffer.from('\r\nno header section\r\n') },
  { id: 'gmail.blocked-security-issue', when: (a) => a.eicar || a.blockedAttachments.length > 0, positive: () => compose({ attachments: [{ filename: 'test.txt', content: EICAR }] }) },
  { id: 'gmail.blocked-security-issue-attachment', when: (a) => a.blockedAttachments.length > 0, positive: () => compose({ attachments: [{ filename: 'setup.exe', content: 'MZ' }] }) },
  { id: 'gmail.from-header-invalid', when: fromInvalid, positive: () => raw(headersWith(['From: Ann Example'], ['from'])) },
  { id: 'gmail.message-id-missing', when: (a) => !a.messageId.valid, positive: () => raw(headersWith([], ['message-id'])) },
  { id: 'gmail.multiple-from-addresses', when: (a) => a.from.addresses.length > 1, positive: () => compose({ from: ['a@example.com', 'b@example.com'], text: 'x' }) },
  { id: 'gmail.unicode-in-header', when: (a) => a.unicodeInHeaders.length > 0, positive: () => raw(headersWith(['X-Note: naïve'])) },
  { id: 'gmail.duplicate-headers', when: (a) => a.duplicateHeaders.length > 0, positive: () => raw(headersWith(['Subject: twice'])) },
  { id: 'gmail.multiple-headers', when: (a) => a.duplicateHeaders.includes('cc'), positive: () => raw(headersWith(['Cc: a@example.com', 'Cc: b@example.com'])) },
  { id: 'gmail.from-header-missing', when: (a) => a.from.count === 0, positive: () => raw(headersWith([], ['from'])) },
  { id: 'gmail.multiple-from-headers', when: (a) => a.from.count > 1, positive: () => raw(headersWith(['From: other@example.com'])) },
  { id: 'gmail.from-header-noncompliant-domain', when: (a) => a.from.invalidDomain, positive: () => raw(headersWith(['From: a@exa_mple'], ['from'])) },
  { id: 'gmail.encoded-word-in-header-name', when: (a) => a.encodedWordHeaderNames.length > 0, positive: () => raw(headersWith(['=?utf-8?q?X-Name?=: v'])) },
  { id: 'gmail.malformed-header', when: (a) => a.malformedHeaders.length > 0, positive: () => raw(headersWith(['Date: someday'], ['date'])) },
  { id: 'godaddy.message-looping', when: (a) => a.deliveredToLoop, positive: () => raw(headersWith(['Delivered-To: bob@example.org'])) },
  { id: 'godaddy.ib501-blank-from', when: (a) => a.from.empty, positive: () => raw(headersWith(['From: <>'], ['from'])) },
  { id: 'godaddy.ib502-ip-from', when: (a) => a.from.ipLiteral, positive: () => raw(headersWith(['From: a@[192.0.2.7]'], ['from'])) },
  { id: 'godaddy.ib212-spam', when: (a) => a.gtube, positive: () => raw(BASE_HEADERS, [GTUBE]) },
  { id: 'godaddy.ib705-virus', when: (a) => a.eicar, positive: () => compose({ attachments: [{ filename: 'eicar.com', content: EICAR }] }) },
  { id: 'godaddy.spam-or-virus-content', when: (a) => a.gtube || a.eicar, positive: () => compose({ text: `x ${EICAR}`, textEncoding: 'base64' }) },
];

/** Message-stage entries whose cause is not in the message: sender reputation, authentication, DNS, rates, mailbox state, server state. */
const NOT_IN_MESSAGE: ReadonlySet<string> = new Set([
  'gmail.temporarily-rejected',
  'gmail.temporary-system-problem',
  'gmail.missing-ptr-rate-limited',
  'gmail.low-ip-reputation',
  'gmail.low-domain-reputation',
  'gmail.suspicious-spf-entries',
  'gmail.dmarc-temporary-dns-failure',
  'gmail.unauthenticated-rate-limited',
  'gmail.spf-rate-limited',
  'gmail.dkim-rate-limited',
  'gmail.dkim-rate-limited-4-7-30',
  'gmail.unusual-rate',
  'gmail.unusual-rate-ip',
  'gmail.unusual-rate-netblock',
  'gmail.unusual-rate-dkim-domain',
  'gmail.unusual-rate-spf-domain',
  'gmail.unusual-rate-url-domain',
  'gmail.unusual-rate-ip-rejected',
  'gmail.same-message-id-quota',
  'gmail.tls-not-used-rate-limited',
  'gmail.policy-prohibited',
  'gmail.ipv6-sending-guidelines',
  'gmail.low-ip-reputation-blocked',
  'gmail.low-domain-reputation-blocked',
  'gmail.ip-not-authorized',
  'gmail.suspicious-spf-entries-blocked',
  'gmail.missing-ptr',
  'gmail.ptr-mismatch',
  'gmail.unauthenticated-blocked',
  'gmail.spf-hard-fail',
  'gmail.dmarc-policy',
  'gmail.spf-blocked',
  'gmail.dkim-blocked',
  'gmail.dkim-blocked-5-7-30',
  'gmail.unusual-rate-ip-blocked',
  'godaddy.storage-limit',
  'godaddy.account-does-not-exist',
  'godaddy.account-disabled',
  'godaddy.delivery-timeout',
  'godaddy.queue-expired-no-connection',
]);

describe('catalog coverage', () => {
  it('every Gmail and GoDaddy message-stage entry is either decidable here or caused outside the message', () => {
    const decidable = new Set(DECIDABLE.map((d) => d.id));
    const unclassified = CATALOG.filter((e) => e.stage === 'message' && (e.provider === 'gmail' || e.provider === 'godaddy'))
      .map((e) => e.id)
      .filter((id) => !decidable.has(id) && !NOT_IN_MESSAGE.has(id));
    expect(unclassified).toEqual([]);
  });

  it.each(DECIDABLE.map((d) => [d.id, d] as const))('%s', async (id, d) => {
    expect(findEntry(id)?.stage).toBe('message');
    const positive = await analyzeMessage(input(await d.positive()));
    const negative = await analyzeMessage(input(await (d.negative ?? clean)()));
    expect(d.when(positive)).toBe(true);
    expect(d.when(negative)).toBe(false);
  });
});
