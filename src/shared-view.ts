/**
 * With --redis, what every instance saw is visible on each: an instance announces each message
 * it keeps (metadata, no bytes) and feeds its report-card inputs (session starts, transcript
 * records, session ends) to Redis streams capped like the memory stores; it reads the others'
 * into its message view (listing, GET, waits and the `message` event behind SSE) and into its
 * report card, so a greylisted sender that retries on another instance is graded as one
 * sender. A body is fetched from the instance that took it, through its HTTP API (each
 * announces its API's URL; the fleet shares one --api-token), so bodies never go through Redis.
 * Without --redis none of this exists: the single-instance path does no extra work.
 */
import type { EventEmitter } from 'node:events';
import type { ReportFeed } from './server/report-feed.js';
import { sessionStartOf } from './server/report-feed.js';
import type { MockMxEvents } from './server/types.js';
import { SharedStreams } from './state/redis-streams.js';
import { bodyOf, noticeOf, SharedMessageStore, type MessageNotice } from './store/shared.js';
import { TranscriptLine, type SessionEvents, type SessionRecord } from './store/sessions.js';
import type { MessageStore } from './store/types.js';
import type { TranscriptRecord } from './transcript/record.js';

export interface ViewOptions {
  readonly local: MessageStore;
  readonly maxMessages: number;
  readonly maxSessions: number;
  readonly events: EventEmitter<MockMxEvents>;
  readonly report: () => ReportFeed;
  readonly onError: (err: unknown, context: string) => void;
}

export interface SharedView {
  readonly name: string;
  readonly messages: MessageStore;
  /** Session events that also go to the others' report cards (after `next`'s). */
  sessionEvents(next: SessionEvents): SessionEvents;
  /** This instance's HTTP API listens at `url`: the others fetch its bodies there, with `token`. */
  apiAt(url: string, token: string | undefined): void;
  close(): Promise<void>;
}

/** Report-card inputs as they travel: a session start, a transcript record, a session end. */
type ReportEntry =
  | { readonly k: 's'; readonly id: string; readonly clientIp: string; readonly startedAt: number; readonly tls: boolean }
  | { readonly k: 'l'; readonly r: TranscriptRecord }
  | { readonly k: 'e'; readonly id: string; readonly endedAt?: number };

export async function shareView(url: string, keyPrefix: string, options: ViewOptions): Promise<SharedView> {
  const keys = { messages: `${keyPrefix}messages`, report: `${keyPrefix}report`, instances: `${keyPrefix}instances` };
  let token: string | undefined;
  // created below; entries only arrive once the reader's first reply is in, after this returns
  let messages: SharedMessageStore;
  const feedRemote = (by: string, entry: ReportEntry) => {
    const feed = options.report();
    const id = (local: string) => `${by}-${local}`;
    if (entry.k === 's') feed.remote.sessionStarted({ id: id(entry.id), clientIp: entry.clientIp, startedAt: entry.startedAt, tls: entry.tls });
    else if (entry.k === 'l') feed.remote.line(TranscriptLine.from({ ...entry.r, session: id(entry.r.session) }, id(entry.r.session)));
    else feed.remote.sessionEnded({ id: id(entry.id), ...(entry.endedAt === undefined ? {} : { endedAt: entry.endedAt }) });
  };
  const streams = await SharedStreams.open({
    url,
    // Redis keeps about as many as an instance does; each instance bounds its own view the same way
    streams: [
      { key: keys.messages, maxLen: options.maxMessages },
      { key: keys.report, maxLen: options.maxSessions * 50 },
    ],
    onEntry: (key, by, data) => {
      if (key === keys.messages) {
        const m = messages.heard(by, JSON.parse(data) as MessageNotice);
        if (m) options.events.emit('message', m);
      } else feedRemote(by, JSON.parse(data) as ReportEntry);
    },
    onError: (err) => options.onError(err, 'reading what other instances saw'),
  });
  const fetchBody = async (owner: string, id: string) => {
    const announced = await streams.lookup(keys.instances, owner);
    if (!announced) throw new Error(`message ${owner}-${id} is kept by instance ${owner}, which has no HTTP API running (or has stopped)`);
    const { url: base } = JSON.parse(announced) as { url: string };
    const response = await fetch(`${base}/api/v1/messages/${encodeURIComponent(id)}/raw`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return bodyOf(response, `fetching message ${owner}-${id} from instance ${owner} at ${base}`);
  };
  messages = new SharedMessageStore(options.local, {
    maxMessages: options.maxMessages,
    fetchBody,
    added: (m) => streams.append(keys.messages, JSON.stringify(noticeOf(m))),
  });
  const send = (entry: ReportEntry) => streams.append(keys.report, JSON.stringify(entry));
  return {
    name: streams.name,
    messages,
    sessionEvents: (next) => ({
      ...next,
      sessionStarted: (r: SessionRecord) => {
        next.sessionStarted(r);
        send({ k: 's', ...sessionStartOf(r), tls: r.listener === 'smtps' });
      },
      line: (r: SessionRecord, l: TranscriptLine) => {
        next.line(r, l);
        send({ k: 'l', r: l.toJSON() });
      },
      sessionEnded: (r: SessionRecord) => {
        next.sessionEnded(r);
        send({ k: 'e', id: r.id, ...(r.endedAt === undefined ? {} : { endedAt: r.endedAt }) });
      },
    }),
    apiAt(apiUrl, apiToken) {
      token = apiToken;
      streams.announce(keys.instances, JSON.stringify({ url: apiUrl })).catch((err: unknown) => options.onError(err, 'announcing the HTTP API to other instances'));
    },
    close: () => streams.close(keys.instances),
  };
}
