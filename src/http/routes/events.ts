/**
 * `GET /api/v1/events`: Server-Sent Events as they happen — `session` (a client connected),
 * `line` (each transcript line: commands, replies with their rule, notes), `session-end`
 * (with the outcome), `message` (accepted), `message-deleted` (with --redis: a message left the view,
 * deleted or cleared on any instance) and `scenario` (the scenario in force changed: switched,
 * replaced, rules pushed or cleared). Comment lines keep idle proxies from closing it.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import type { RouteContext } from '../context.js';
import { outcomeOf } from '../../store/transcript-outcome.js';
import { API, lineJson, messageSummary, sessionHead } from '../views.js';

export const EVENT_TYPES = ['session', 'line', 'session-end', 'message', 'message-deleted', 'scenario'] as const;
type EventType = (typeof EVENT_TYPES)[number];

export function eventRoutes(app: FastifyInstance, { mx, hub }: RouteContext, heartbeatMs: number): void {
  app.get<{ Querystring: { types?: string } }>(
    `${API}/events`,
    {
      schema: {
        tags: ['events'],
        summary: 'Server-Sent Events: event: session | line | session-end | message | message-deleted | scenario, each with JSON data',
        querystring: { type: 'object', properties: { types: { type: 'string', description: `comma-separated subset of ${EVENT_TYPES.join(', ')} (default all)` } } },
        produces: ['text/event-stream'],
        response: { 200: { description: 'an endless text/event-stream', type: 'string' } },
      },
    },
    (request, reply) => {
      const wanted = new Set<EventType>(
        request.query.types
          ? request.query.types.split(',').map((t) => {
              const type = t.trim() as EventType;
              if (!EVENT_TYPES.includes(type)) throw new HttpError(400, `unknown event type "${t.trim()}"; types: ${EVENT_TYPES.join(', ')}`);
              return type;
            })
          : EVENT_TYPES,
      );
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 2000\n: connected to mockmx\n\n');

      // in order, even when building one event's data takes a moment (a message is parsed)
      let chain = Promise.resolve();
      let sequence = 0;
      const send = (type: EventType, data: unknown) => {
        if (!wanted.has(type)) return;
        chain = chain
          .then(async () => {
            const value = await data;
            if (!res.writableEnded && !res.destroyed) res.write(`id: ${++sequence}\nevent: ${type}\ndata: ${JSON.stringify(value)}\n\n`);
          })
          .catch(() => undefined);
      };
      const offs = [
        hub.on('session', (s) => send('session', sessionHead(s))),
        hub.on('line', (s, line) => send('line', { sessionId: s.id, index: s.transcript.lastIndexOf(line), ...lineJson(line) })),
        hub.on('sessionEnd', (s) => send('session-end', { ...sessionHead(s), outcome: outcomeOf(s) })),
        hub.on('message', (m) => send('message', m.parsed().then((p) => messageSummary(m, p, mx.sessions.get(m.sessionId))))),
        hub.on('messageDeleted', (id) => send('message-deleted', { id })),
        hub.on('scenario', (s) => send('scenario', { name: s.name, rules: s.rules.length })),
      ];
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      const end = () => {
        clearInterval(heartbeat);
        for (const off of offs) off();
        hub.closing.removeEventListener('abort', shutdown);
      };
      const shutdown = () => {
        end();
        res.end();
      };
      hub.closing.addEventListener('abort', shutdown);
      res.on('close', end);
    },
  );
}
