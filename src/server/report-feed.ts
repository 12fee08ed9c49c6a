/**
 * Feeds the sender report card from the session store's events, and remakes it when the
 * scenario's `report:` thresholds change (the card's checks are built with them).
 */
import type { ReportSettings } from '../engine/scenario.js';
import { ReportCard, type Report, type ReportFilter, type ReportOptions, type SessionStart } from '../report/index.js';
import type { SessionEvents, SessionRecord, TranscriptLine } from '../store/sessions.js';

/** What the card needs of a session as it opens (an implicit-TLS listener's sessions are encrypted from the start). */
export const sessionStartOf = (r: SessionRecord): SessionStart => ({ id: r.id, clientIp: r.clientIp, startedAt: r.startedAt, tls: r.listener === 'smtps' });

export class ReportFeed {
  private card: ReportCard;
  private settings: ReportSettings;

  constructor(
    private readonly now: () => number,
    settings: ReportSettings,
  ) {
    this.settings = settings;
    this.card = new ReportCard(now, settings);
  }

  /** Session events that also reach the card (after `next`'s). */
  events(next: SessionEvents): SessionEvents {
    return {
      ...next,
      sessionStarted: (r: SessionRecord) => {
        next.sessionStarted(r);
        this.card.sessionStarted(sessionStartOf(r));
      },
      line: (r: SessionRecord, l: TranscriptLine) => {
        next.line(r, l);
        this.card.line(l);
      },
      sessionEnded: (r: SessionRecord) => {
        next.sessionEnded(r);
        this.card.sessionEnded({ id: r.id, ...(r.endedAt === undefined ? {} : { endedAt: r.endedAt }) });
      },
    };
  }

  report(filter?: ReportFilter): Report {
    return this.card.report(filter);
  }

  options(): ReportOptions {
    return this.card.options;
  }

  /** A fresh card: what was seen goes, and sessions open now are not graded. */
  reset(): void {
    this.card = new ReportCard(this.now, this.settings);
  }

  /** The scenario in force changed: a card with other thresholds starts over, the same ones keep what they saw. */
  useSettings(settings: ReportSettings): void {
    if (sameSettings(settings, this.settings)) return;
    this.settings = settings;
    this.reset();
  }
}

function sameSettings(a: ReportSettings, b: ReportSettings): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
