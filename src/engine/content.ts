/**
 * Named content checks (`when: { check: … }`) over the message analysis, and how deep the
 * adapter must analyse a message for a rule: not at all, the header section, or the MIME body.
 */
import type { MessageFacts } from './facts.js';

/** Limits the size checks compare against (scenario `server.limits`). */
export interface ContentLimits {
  readonly headerBytes: number;
  readonly headerCount: number;
  readonly headerValueBytes: number;
  readonly headerNameBytes: number;
  readonly subjectBytes: number;
  readonly attachments: number;
  readonly receivedHops: number;
}

export const DEFAULT_LIMITS: ContentLimits = Object.freeze({
  headerBytes: 262_144,
  headerCount: 1_000,
  headerValueBytes: 16_384,
  headerNameBytes: 998,
  subjectBytes: 16_384,
  attachments: 500,
  receivedHops: 50,
});

/** 0: no analysis; 1: the header section (cheap, synchronous); 2: the MIME body too. */
export type Depth = 0 | 1 | 2;

type Check = { readonly depth: Depth; readonly test: (m: MessageFacts, l: ContentLimits) => boolean };

const header = (test: Check['test']): Check => ({ depth: 1, test });
const body = (test: Check['test']): Check => ({ depth: 2, test });

export const CHECKS = {
  'malformed-message': body((m) => m.malformed === true),
  'bare-line-feeds': body((m) => m.bareLineFeeds === true),
  'too-many-hops': header((m, l) => (m.receivedCount ?? 0) > l.receivedHops),
  'delivered-to-loop': header((m) => m.deliveredToLoop === true),
  'header-too-large': header((m, l) => (m.headerBytes ?? 0) > l.headerBytes),
  'too-many-headers': header((m, l) => (m.headerCount ?? 0) > l.headerCount),
  'header-name-too-long': header((m, l) => (m.longestHeaderName?.bytes ?? 0) > l.headerNameBytes),
  'header-value-too-large': header((m, l) => (m.longestHeaderValue?.bytes ?? 0) > l.headerValueBytes),
  'subject-too-long': header((m, l) => (m.subjectBytes ?? 0) > l.subjectBytes),
  'encoded-word-header-name': header((m) => (m.encodedWordHeaderNames?.length ?? 0) > 0),
  'unicode-in-header': header((m) => (m.unicodeInHeaders?.length ?? 0) > 0),
  'duplicate-headers': header((m) => (m.duplicateHeaders?.length ?? 0) > 0),
  'malformed-header': header((m) => (m.malformedHeaders?.length ?? 0) > 0),
  'from-missing': header((m) => m.from?.count === 0),
  'from-multiple': header((m) => (m.from?.count ?? 0) > 1),
  'from-multiple-addresses': header((m) => (m.from?.addresses.length ?? 0) > 1),
  'from-empty': header((m) => m.from?.empty === true),
  'from-ip-literal': header((m) => m.from?.ipLiteral === true),
  'from-invalid-domain': header((m) => m.from?.invalidDomain === true),
  'message-id-missing': header((m) => m.messageId !== undefined && !m.messageId.valid),
  'too-many-attachments': body((m, l) => (m.attachmentCount ?? 0) > l.attachments),
  'blocked-attachment': body((m) => (m.blockedAttachments?.length ?? 0) > 0),
  gtube: body((m) => m.gtube === true),
  eicar: body((m) => m.eicar === true),
} satisfies Record<string, Check>;

export type CheckName = keyof typeof CHECKS;
export const CHECK_NAMES = Object.keys(CHECKS) as CheckName[];

/** Numeric message facts rules can compare (`when: { headerBytes: "> 64KB" }`), with their depth. */
export const MEASURES = {
  headerBytes: { depth: 1, value: (m: MessageFacts) => m.headerBytes },
  headerCount: { depth: 1, value: (m: MessageFacts) => m.headerCount },
  headerValueBytes: { depth: 1, value: (m: MessageFacts) => m.longestHeaderValue?.bytes },
  headerNameBytes: { depth: 1, value: (m: MessageFacts) => m.longestHeaderName?.bytes },
  subjectBytes: { depth: 1, value: (m: MessageFacts) => m.subjectBytes },
  receivedCount: { depth: 1, value: (m: MessageFacts) => m.receivedCount },
  attachmentCount: { depth: 2, value: (m: MessageFacts) => m.attachmentCount },
} as const satisfies Record<string, { depth: Depth; value: (m: MessageFacts) => number | undefined }>;

export type MeasureName = keyof typeof MEASURES;
export const MEASURE_NAMES = Object.keys(MEASURES) as MeasureName[];
