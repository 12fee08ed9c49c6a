/**
 * Message analysis: from the raw bytes of a received message and its envelope, every fact
 * provider rules need to decide content rejections (header limits and syntax, From and
 * Message-ID checks, loops, test strings, attachments, size). Pure and deterministic.
 *
 * `analyzeHeaders` reads only the header section, synchronously; `analyzeMessage` adds the
 * MIME body. A `MessageAnalysis` is also a valid `MessageFacts` (size, headers, subject, text).
 */
export { analyzeMessage } from './analyze.js';
export { analyzeHeaders, SINGLE_FIELDS } from './headers.js';
export { BLOCKED_EXTENSIONS, BLOCKED_CONTENT_TYPES, isBlocked } from './attachments.js';
export { EICAR, GTUBE } from './signatures.js';
export { LIMITS } from './limits.js';
export type {
  AnalyzeInput,
  AttachmentInfo,
  FromFacts,
  HeaderAnalysis,
  HeaderSize,
  MessageAnalysis,
  MessageIdFacts,
} from './types.js';
