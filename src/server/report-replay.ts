/**
 * The sender report card from stored sessions (a `--store` directory's transcript log), for
 * `mockmx report --store DIR`: the sessions are fed to a ReportCard the way ReportFeed feeds it
 * from a running server — sessions start, lines, ends, all in time order, interleaved as they
 * happened — and the card's clock stops at the last thing recorded, so "never retried" and the
 * like are judged as of the log's end.
 */
import type { ReportSettings } from '../engine/scenario.js';
import { ReportCard } from '../report/index.js';
import type { SessionRecord, TranscriptLine } from '../store/sessions.js';
import { sessionStartOf } from './report-feed.js';

/** One thing that happened to a session, as the SessionStore's events would have said it. */
type Happening = { readonly at: number; readonly order: number; readonly step: number } & (
  | { readonly kind: 'start'; readonly record: SessionRecord }
  | { readonly kind: 'line'; readonly line: TranscriptLine }
  | { readonly kind: 'end'; readonly record: SessionRecord; readonly endedAt: number }
);

/** When a session's last trace was made: its end, else its last line, else its start. */
export function lastTrace(record: SessionRecord): number {
  let latest = Math.max(record.startedAt, record.endedAt ?? -Infinity);
  for (const line of record.transcript) latest = Math.max(latest, line.at);
  return latest;
}

/** A session's happenings; times never go back within one (a clock step back would otherwise reorder them). */
function happenings(record: SessionRecord, order: number): Happening[] {
  let at = record.startedAt;
  let step = 0;
  const out: Happening[] = [{ kind: 'start', record, at, order, step: step++ }];
  for (const line of record.transcript) {
    at = Math.max(at, line.at);
    out.push({ kind: 'line', line, at, order, step: step++ });
  }
  const endedAt = Math.max(at, record.endedAt ?? at);
  out.push({ kind: 'end', record, endedAt, at: endedAt, order, step });
  return out;
}

/**
 * A card fed `records` (in the order they started). Its clock reads the latest time recorded;
 * throws ReportOptionsError when `settings` are not thresholds the card takes.
 */
export function replayReport(records: readonly SessionRecord[], settings: ReportSettings = {}): ReportCard {
  const now = records.reduce((latest, r) => Math.max(latest, lastTrace(r)), 0);
  const card = new ReportCard(() => now, settings);
  const all = records.flatMap((r, i) => happenings(r, i));
  // by time; at the same time, sessions in the order they started, each session's steps in order
  all.sort((a, b) => a.at - b.at || a.order - b.order || a.step - b.step);
  for (const h of all) {
    if (h.kind === 'start') card.sessionStarted(sessionStartOf(h.record));
    else if (h.kind === 'line') card.line(h.line);
    else card.sessionEnded({ id: h.record.id, endedAt: h.endedAt });
  }
  return card;
}
