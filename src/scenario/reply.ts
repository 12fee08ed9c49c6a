/**
 * Normalises the three ways a scenario can write a reply — a catalog id, the shorthand
 * `"550 5.1.1 text"`, or `{code, enhanced, text, close}` — into one Reply.
 */
import type { Reply } from '../engine/reply.js';
import { REGISTRY, type CatalogLookup } from '../providers/index.js';
import { didYouMean } from '../util/suggest.js';
import type { ReplySpec } from './schema.js';

export type ReplyResult = { ok: true; reply: Reply; catalogStage?: import('../engine/stages.js').Stage } | { ok: false; code: 'MX_UNKNOWN_REPLY' | 'MX_REPLY'; error: string };

const SHORTHAND = /^([2-5]\d\d)(?:[ -]([2-5]\.\d{1,3}\.\d{1,3}))?(?:[ -]([\s\S]*))?$/;

/** Catalog ids resolve in `catalog`: the registered providers' unless a test brings its own. */
export function normaliseReply(spec: ReplySpec, catalog: CatalogLookup = REGISTRY): ReplyResult {
  if (typeof spec === 'string') {
    if (/^\d/.test(spec)) return fromParts(spec);
    const entry = catalog.findEntry(spec);
    if (!entry) {
      return { ok: false, code: 'MX_UNKNOWN_REPLY', error: `unknown reply id "${spec}"${didYouMean(spec, catalog.catalogIds())}; run "mockmx catalog" for the list, or write "550 5.7.1 text"` };
    }
    return { ok: true, reply: catalog.entryReply(entry), catalogStage: entry.stage };
  }
  const text = spec.text ?? '';
  const lines = (Array.isArray(text) ? text : [text]).flatMap((t) => t.split(/\r?\n/));
  return build(spec.code, spec.enhanced ?? null, lines, spec.close ?? false);
}

function fromParts(source: string): ReplyResult {
  const m = SHORTHAND.exec(source.trim());
  if (!m) {
    return { ok: false, code: 'MX_REPLY', error: `"${source}" is not a reply; write "550 5.1.1 text" (code, optional enhanced code, text)` };
  }
  return build(Number(m[1]), m[2] ?? null, (m[3] ?? '').split(/\r?\n/), false);
}

function build(code: number, enhanced: string | null, lines: string[], close: boolean): ReplyResult {
  if (code < 200 || code > 599) return { ok: false, code: 'MX_REPLY', error: `reply code ${code} is not between 200 and 599` };
  if (enhanced !== null) {
    const cls = Math.floor(code / 100);
    if (cls === 3) return { ok: false, code: 'MX_REPLY', error: `a ${code} reply carries no enhanced status code (RFC 2034); remove "${enhanced}"` };
    if (Number(enhanced[0]) !== cls) {
      return { ok: false, code: 'MX_REPLY', error: `enhanced code ${enhanced} is of another class than reply code ${code}; receivers drop it (use ${cls}${enhanced.slice(1)})` };
    }
  }
  if (lines.some((l) => /[\x00-\x1f\x7f]/.test(l))) {
    return { ok: false, code: 'MX_REPLY', error: 'reply text must not contain control characters' };
  }
  return { ok: true, reply: Object.freeze({ code, enhanced, lines: Object.freeze(lines.length ? lines : ['']), close: close || code === 421 }) };
}
