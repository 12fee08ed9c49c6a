/**
 * RFC 5322 §3.3 date-time syntax, obsolete forms included (two- and three-digit years, named
 * zones, comments anywhere). Only the shape and field ranges are checked, not the calendar.
 */
import { stripComments } from './lexer.js';

// Anchored, and every repeated part is followed by a token it cannot match, so a failing
// value is rejected in one left-to-right pass (no backtracking blow-up on long input).
const DATE_TIME =
  /^(?:(?:mon|tue|wed|thu|fri|sat|sun) ?, ?)?(\d{1,2}) (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec) (\d{2,4}) (\d{1,2}) ?: ?(\d{2})(?: ?: ?(\d{2}))? ([+-]\d{4}|[a-z]{1,3})$/i;

/** RFC 5322 obs-zone names, plus "UTC", which is not in the grammar but widely sent and accepted. */
const ZONES: ReadonlySet<string> = new Set(['ut', 'utc', 'gmt', 'est', 'edt', 'cst', 'cdt', 'mst', 'mdt', 'pst', 'pdt']);

function zoneOk(zone: string): boolean {
  if (zone[0] === '+' || zone[0] === '-') return Number(zone.slice(3)) < 60;
  const z = zone.toLowerCase();
  // military single letters, all but J
  return ZONES.has(z) || (z.length === 1 && z !== 'j');
}

export function isValidDate(value: string): boolean {
  const s = stripComments(value);
  if (s === null) return false;
  const m = DATE_TIME.exec(s);
  if (!m) return false;
  const [, day, , hour, minute, second, zone] = m;
  if (Number(day) < 1 || Number(day) > 31) return false;
  if (Number(hour) > 23 || Number(minute) > 59) return false;
  if (second !== undefined && Number(second) > 60) return false; // 60: a leap second
  return zoneOk(zone!);
}
