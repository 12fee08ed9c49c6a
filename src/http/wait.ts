/**
 * Long-polling without polling: a request subscribes to the server's events and answers on
 * the first match, or 408 at its timeout. Subscriptions end however the request ends
 * (match, timeout, client gone, listener closing).
 */
import { parseDuration } from '../engine/values.js';
import { parseInstant } from '../util/instant.js';
import { HttpError } from './errors.js';
import type { Hub } from './hub.js';

export const DEFAULT_WAIT_MS = 30_000;
export const MAX_WAIT_MS = 600_000;

export const waitSchema = {
  timeout: { type: 'string', description: `how long to wait: "500ms", "5s", "2m" or milliseconds (default 30s, at most 10m)` },
  since: {
    type: 'string',
    description: 'only items from this time on (ISO date or epoch ms); "now" for only items that arrive after the request. Default: items already there match too (newest first)',
  },
} as const;

export function parseTimeout(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_WAIT_MS;
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new HttpError(400, `timeout: ${parsed.error}`);
  if (parsed.value > MAX_WAIT_MS) throw new HttpError(400, `timeout: at most ${MAX_WAIT_MS / 60_000}m, got "${value}"`);
  return parsed.value;
}

/** `all`: existing items match too; `new`: only arrivals; a number: items at or after that time (ms). */
export type Since = 'all' | 'new' | number;

export function parseSince(value: string | undefined): Since {
  if (value === undefined || value === '') return 'all';
  if (value === 'now') return 'new';
  const ms = parseInstant(value);
  if (ms === undefined) throw new HttpError(400, `since: expected "now", an ISO date or epoch milliseconds, got "${value}"`);
  return ms;
}

export const sinceAllows = (since: Since, at: number) => since === 'all' || (typeof since === 'number' && at >= since);

export type WaitResult<T> = { found: T } | { timedOut: true };

/**
 * Waits for `subscribe` to offer a value. `subscribe` gets the callback to call on a match
 * (later calls are ignored) and returns its unsubscribe function.
 */
export function waitFor<T>(
  hub: Hub,
  options: { timeoutMs: number; gone: AbortSignal },
  subscribe: (offer: (value: T) => void) => () => void,
): Promise<WaitResult<T>> {
  return new Promise((resolve, reject) => {
    let done = false;
    let unsubscribe: (() => void) | undefined;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe?.();
      hub.closing.removeEventListener('abort', onClosing);
      options.gone.removeEventListener('abort', onGone);
      outcome();
    };
    const onClosing = () => finish(() => reject(new HttpError(503, 'the server is shutting down')));
    const onGone = () => finish(() => resolve({ timedOut: true }));
    const timer = setTimeout(() => finish(() => resolve({ timedOut: true })), options.timeoutMs);
    if (hub.closing.aborted) return onClosing();
    hub.closing.addEventListener('abort', onClosing);
    options.gone.addEventListener('abort', onGone);
    unsubscribe = subscribe((value) => finish(() => resolve({ found: value })));
    if (done) unsubscribe();
  });
}

/** Resolves once `check()` holds (re-checked on every transcript line and session end), or after `ms`. */
export function settle(hub: Hub, check: () => boolean, ms: number): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve) => {
    const offs: (() => void)[] = [];
    const end = () => {
      clearTimeout(timer);
      for (const off of offs) off();
      resolve();
    };
    const timer = setTimeout(end, ms);
    const again = () => {
      if (check()) end();
    };
    offs.push(hub.on('line', again), hub.on('sessionEnd', again));
  });
}

/** An AbortSignal that fires when the client of this response goes away before it is answered. */
export function clientGone(res: import('node:http').ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
