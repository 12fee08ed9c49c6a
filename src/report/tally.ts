/**
 * What one check found for one sender (or, until it ends, one session): how often the client
 * did right and wrong, when, and a few pieces of evidence — the first failures (how it started),
 * the latest (for time ranges) and the first passes. Bounded whatever the traffic.
 */
import { OccurrenceRing } from './occurrences.js';
import type { Evidence } from './types.js';

export interface TallyLimits {
  readonly maxEvidence: number;
  readonly maxOccurrences: number;
}

/** A half-open time range; the whole of time when not narrowed. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

export const ALL_TIME: TimeRange = Object.freeze({ from: -Infinity, to: Infinity });

export interface TallyResult {
  readonly passed: number;
  readonly failed: number;
  /** Failures when any, else passes: oldest first, at most maxEvidence. */
  readonly evidence: readonly Evidence[];
  readonly partial: boolean;
}

const byTime = (a: Evidence, b: Evidence) => a.at - b.at || (a.session < b.session ? -1 : a.session > b.session ? 1 : 0);

/** The first `n` of two lists, by time, each item once. */
function earliest(a: readonly Evidence[], b: readonly Evidence[], n: number): Evidence[] {
  return [...new Set([...a, ...b])].sort(byTime).slice(0, n);
}

/** Puts `e` in its place in a list kept in time order (evidence mostly arrives in order: then it is a push). */
function insertByTime(list: Evidence[], e: Evidence): void {
  let i = list.length;
  while (i > 0 && byTime(list[i - 1]!, e) > 0) i--;
  list.splice(i, 0, e);
}

/** Keeps `e` among the earliest `n` of a list kept in time order. */
function keepFirst(list: Evidence[], e: Evidence, n: number): void {
  insertByTime(list, e);
  if (list.length > n) list.pop();
}

export class Tally {
  passed = 0;
  failed = 0;
  private readonly ring: OccurrenceRing;
  private firstFails: Evidence[] = [];
  private lastFails: Evidence[] = [];
  private firstPasses: Evidence[] = [];

  constructor(private readonly limits: TallyLimits) {
    this.ring = new OccurrenceRing(limits.maxOccurrences);
  }

  add(ok: boolean, evidence: Evidence): void {
    this.ring.push(evidence.at, ok);
    const n = this.limits.maxEvidence;
    if (ok) {
      this.passed++;
      if (this.firstPasses.length < n || byTime(evidence, this.firstPasses[n - 1]!) < 0) keepFirst(this.firstPasses, evidence, n);
      return;
    }
    this.failed++;
    if (this.firstFails.length < n || byTime(evidence, this.firstFails[n - 1]!) < 0) keepFirst(this.firstFails, evidence, n);
    insertByTime(this.lastFails, evidence);
    if (this.lastFails.length > n) this.lastFails.shift();
  }

  /** Adds another tally's findings (which stays as it was: a session's may go to several senders). */
  absorb(other: Tally): void {
    const n = this.limits.maxEvidence;
    this.passed += other.passed;
    this.failed += other.failed;
    other.ring.forEach((at, ok) => this.ring.push(at, ok));
    this.ring.dropped += other.ring.dropped;
    // the lists are kept in time order, so one that is empty on either side needs no merge
    if (other.firstFails.length) this.firstFails = this.firstFails.length ? earliest(this.firstFails, other.firstFails, n) : other.firstFails.slice(0, n);
    if (other.lastFails.length) this.lastFails = this.lastFails.length ? [...new Set([...this.lastFails, ...other.lastFails])].sort(byTime).slice(-n) : other.lastFails.slice(-n);
    if (other.firstPasses.length) this.firstPasses = this.firstPasses.length ? earliest(this.firstPasses, other.firstPasses, n) : other.firstPasses.slice(0, n);
  }

  clone(): Tally {
    const copy = new Tally(this.limits);
    copy.absorb(this);
    return copy;
  }

  result(range: TimeRange = ALL_TIME): TallyResult {
    const n = this.limits.maxEvidence;
    const inRange = (e: Evidence) => e.at >= range.from && e.at < range.to;
    const fails = earliest(this.firstFails, this.lastFails, Infinity).filter(inRange);
    const passes = this.firstPasses.filter(inRange);
    if (range === ALL_TIME) return { passed: this.passed, failed: this.failed, evidence: (this.failed ? fails : passes).slice(0, n), partial: false };
    const counted = this.ring.count(range.from, range.to);
    const failed = Math.max(counted.failed, fails.length);
    const passed = Math.max(counted.passed, passes.length);
    const partial = this.ring.dropped > 0 && range.from < this.ring.earliest();
    return { passed, failed, evidence: (failed ? fails : passes).slice(0, n), partial };
  }
}
