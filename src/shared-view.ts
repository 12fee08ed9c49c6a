/**
 * With --redis, what every instance saw is visible on each: an instance announces each message
 * it keeps (metadata, no bytes) and its sessions as they happen (start, transcript records,
 * end) on Redis streams capped like the memory stores, and reads the others'. Their messages
 * join its message view (listing, GET, waits, and the `message` event behind SSE); their
 * sessions are followed in its own session store, within the same bounds, so they reach the
 * API, SSE, waits and the report card through the same events as its own — a greylisted
 * sender that retries on another instance is graded as one sender. A body is fetched from the
 * instance that took it, through its HTTP API (each announces its API's URL; the fleet shares
 * one --api-token), so bodies never go through Redis. Another instance's message and session
 * ids show as `<instance>-<its id>`. Deletes and clears travel on the messages stream too, so a
 * delete on any instance removes the message from every view, and its owner drops the body.
 * Without --redis none of this exists.
 */
import type { EventEmitter } from 'node:events';
import type { MockMxEvents } from './server/types.js';
import { SharedStreams } from './state/redis-streams.js';
import { compareIds } from './util/stream-id.js';
import { bodyOf, SharedMessageStore, type MessageEntry, type MessageNotice } from './store/shared.js';
import { TranscriptLine, type RemoteSessionLog, type SessionEvents, type SessionRecord, type SessionStore } from './store/sessions.js';
import type { MessageStore } from './store/types.js';
import type { SessionInfo, TranscriptRecord } from './transcript/record.js';

export interface ViewOptions {
  readonly local: MessageStore;
  readonly maxMessages: number;
  readonly maxSessions: number;
  readonly events: EventEmitter<MockMxEvents>;
  /** Where the others' sessions are followed (made after the view: its events go out through the view). */
  readonly sessions: () => SessionStore;
  readonly onError: (err: unknown, context: string) => void;
}

export interface SharedView {
  readonly name: string;
  readonly messages: MessageStore;
  /** Session events that also go to the other instances (after `next`'s); theirs come in through the same events. */
  sessionEvents(next: SessionEvents): SessionEvents;
  /**
   * Forgets, on every instance, the sessions whose start was announced before the clear (a
   * session started elsewhere meanwhile stays). Redis away: every session here goes now, the
   * others' when the clear reaches them. Resolves how many went here.
   */
  clearSessions(): Promise<number>;
  /** This instance's HTTP API listens at `url`: the others fetch its bodies there, with `token`. */
  apiAt(url: string, token: string | undefined): void;
  close(): Promise<void>;
}

/** Sessions as they travel: a start, a transcript record, an end (with what was learnt meanwhile: HELO name, TLS, user). */
type SessionEntry =
  | { readonly k: 's'; readonly id: string; readonly startedAt: number; readonly info: SessionInfo }
  | { readonly k: 'l'; readonly r: TranscriptRecord }
  | { readonly k: 'e'; readonly id: string; readonly endedAt?: number; readonly info: SessionInfo }
  | { readonly k: 'c' };

/** How long a clear waits to learn its place in the stream before clearing everything here (Redis away). */
const CLEAR_WAIT_MS = 2000;

const infoOf = (r: SessionRecord): SessionInfo => ({
  clientIp: r.clientIp,
  clientPort: r.clientPort,
  listener: r.listener,
  ...(r.heloName !== undefined ? { heloName: r.heloName } : {}),
  ...(r.tls !== undefined ? { tls: r.tls } : {}),
  ...(r.tlsVersion !== undefined ? { tlsVersion: r.tlsVersion } : {}),
  ...(r.authUser !== undefined ? { authUser: r.authUser } : {}),
});

export async function shareView(url: string, keyPrefix: string, options: ViewOptions): Promise<SharedView> {
  const keys = { messages: `${keyPrefix}messages`, sessions: `${keyPrefix}sessions`, instances: `${keyPrefix}instances` };
  let token: string | undefined;
  // created below; entries only arrive once the reader's first reply is in, after this returns
  let messages: SharedMessageStore;
  /** The others' sessions still open, as this instance's store follows them (bounded: an instance that dies leaves some open). */
  const following = new Map<string, RemoteSessionLog>();
  /** Where each kept session's start sits in the sessions stream (bounded like the store); a clear takes those before it. */
  const startedAt = new Map<string, string>();
  /** Own sessions whose start is on its way to Redis: a clear heard meanwhile came before them. */
  const announcing = new Set<string>();
  const placeStart = (id: string, position: string) => {
    startedAt.set(id, position);
    if (startedAt.size > options.maxSessions * 2) startedAt.delete(startedAt.keys().next().value!);
  };
  const sessionsClearedAt = (position: string): number => {
    const store = options.sessions();
    const went = store.clear((r) => {
      const at = startedAt.get(r.id);
      // never announced (restored from --store, or started while Redis was away): any clear takes it
      return at === undefined ? !announcing.has(r.id) : compareIds(at, position) < 0;
    });
    for (const id of following.keys()) if (!store.get(id)) following.delete(id);
    return went;
  };
  const follow = (by: string, entry: SessionEntry, position: string) => {
    if (entry.k === 'c') return void sessionsClearedAt(position);
    const id = `${by}-${entry.k === 'l' ? entry.r.session : entry.id}`;
    if (entry.k === 's') {
      const log = options.sessions().follow(id, by, entry.info, entry.startedAt);
      if (!log) return;
      placeStart(id, position);
      following.set(id, log);
      if (following.size > options.maxSessions) following.delete(following.keys().next().value!);
    } else if (entry.k === 'l') following.get(id)?.record(TranscriptLine.from({ ...entry.r, session: id }, id));
    else {
      following.get(id)?.end(entry.endedAt, entry.info);
      following.delete(id);
    }
  };
  // a notice joins the view; a delete or clear leaves it (entries arrive only once `streams` and `messages` exist)
  const onMessageEntry = (by: string, entry: MessageEntry, position: string) => {
    const fail = (err: unknown) => options.onError(err, 'applying a delete from another instance');
    if ('clear' in entry) messages.clearedAt(position).catch(fail);
    else if ('delete' in entry) {
      const owner = entry.owner ?? by;
      // this instance's own message: it goes from the store, body and all
      messages.forget(owner === streams.name ? entry.delete : `${owner}-${entry.delete}`).catch(fail);
    } else {
      const m = messages.heard(by, entry as MessageNotice, position);
      if (m) options.events.emit('message', m);
    }
  };
  const streams = await SharedStreams.open({
    url,
    // Redis keeps about as many as an instance does; each instance bounds its own view the same way
    streams: [
      { key: keys.messages, maxLen: options.maxMessages },
      { key: keys.sessions, maxLen: options.maxSessions * 50 },
    ],
    onEntry: (key, by, data, position) => {
      if (key === keys.messages) onMessageEntry(by, JSON.parse(data) as MessageEntry, position);
      else follow(by, JSON.parse(data) as SessionEntry, position);
    },
    onError: (err) => options.onError(err, 'reading what other instances saw'),
  });
  const fetchBody = async (owner: string, id: string) => {
    const announced = await streams.lookup(keys.instances, owner);
    if (!announced) throw new Error(`message ${owner}-${id} is kept by instance ${owner}, which has no HTTP API running (or has stopped)`);
    const { url: base } = JSON.parse(announced) as { url: string };
    const what = `fetching message ${owner}-${id} from instance ${owner} at ${base}`;
    const response = await fetch(`${base}/api/v1/messages/${encodeURIComponent(id)}/raw`, token ? { headers: { authorization: `Bearer ${token}` } } : {}).catch((err: Error) => {
      const cause = err.cause as { code?: string } | undefined;
      throw new Error(`${what}: ${err.message}${cause?.code ? ` (${cause.code})` : ''}`, { cause: err });
    });
    return bodyOf(response, what);
  };
  messages = new SharedMessageStore(options.local, {
    maxMessages: options.maxMessages,
    fetchBody,
    announce: (entry) => streams.append(keys.messages, JSON.stringify(entry)),
    removed: (id) => options.events.emit('messageDeleted', id),
  });
  const send = (entry: SessionEntry) => streams.append(keys.sessions, JSON.stringify(entry));
  return {
    name: streams.name,
    messages,
    // the others' sessions (records naming their `instance`) come in through the same events: not sent back
    sessionEvents: (next) => ({
      ...next,
      sessionStarted: (r: SessionRecord) => {
        next.sessionStarted(r);
        if (r.instance !== undefined) return;
        announcing.add(r.id);
        void send({ k: 's', id: r.id, startedAt: r.startedAt, info: infoOf(r) }).then((at) => {
          announcing.delete(r.id);
          if (at !== undefined) placeStart(r.id, at);
        });
      },
      line: (r: SessionRecord, l: TranscriptLine) => {
        next.line(r, l);
        if (r.instance === undefined) send({ k: 'l', r: l.toJSON() });
      },
      sessionEnded: (r: SessionRecord) => {
        next.sessionEnded(r);
        if (r.instance === undefined) send({ k: 'e', id: r.id, ...(r.endedAt === undefined ? {} : { endedAt: r.endedAt }), info: infoOf(r) });
      },
    }),
    async clearSessions() {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, CLEAR_WAIT_MS, undefined)));
      const at = await Promise.race([send({ k: 'c' }), waited]);
      clearTimeout(timer);
      return at === undefined ? options.sessions().clear() : sessionsClearedAt(at);
    },
    apiAt(apiUrl, apiToken) {
      token = apiToken;
      streams.announce(keys.instances, JSON.stringify({ url: apiUrl })).catch((err: unknown) => options.onError(err, 'announcing the HTTP API to other instances'));
    },
    close: () => streams.close(keys.instances),
  };
}
