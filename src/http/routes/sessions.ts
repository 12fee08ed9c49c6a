/** SMTP sessions with their transcripts and outcomes, and every refusal they contain. */
import type { FastifyInstance } from 'fastify';
import type { SessionRecord } from '../../store/sessions.js';
import { errorResponse, json, type RouteContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import { describeFilter, matchesRefusal, refusalFilterSchema, type RefusalFilter } from '../filters.js';
import { pageOf, pagingSchema, type PageQuery } from '../paging.js';
import { outcomeOf, refusalsOf, type Refusal } from '../../store/transcript-outcome.js';
import { API, refusalJson, sessionJson } from '../views.js';
import { clientGone, parseSince, parseTimeout, sinceAllows, waitFor, waitSchema } from '../wait.js';

export function sessionRoutes(app: FastifyInstance, { mx, hub }: RouteContext): void {
  const messageIdsBySession = async () => {
    const ids = new Map<string, string[]>();
    for (const m of (await mx.messages.list()).reverse()) ids.set(m.sessionId, [...(ids.get(m.sessionId) ?? []), m.id]);
    return ids;
  };

  app.get<{ Querystring: PageQuery & { status?: string; transcript?: boolean } }>(
    `${API}/sessions`,
    {
      schema: {
        tags: ['sessions'],
        summary: 'List SMTP sessions, newest first, each with its outcome and transcript; paged',
        querystring: {
          type: 'object',
          properties: {
            ...pagingSchema,
            status: { type: 'string', enum: ['open', 'delivered', 'rejected', 'dropped', 'closed'], description: 'only sessions with this outcome' },
            transcript: { type: 'boolean', description: 'include transcripts (default true)' },
          },
        },
        response: { 200: json('a page of sessions', { total: { type: 'integer' }, offset: { type: 'integer' }, limit: { type: 'integer' }, items: { type: 'array' } }) },
      },
    },
    async (request) => {
      const { status, transcript = true } = request.query;
      const sessions = mx.sessions.list().filter((s) => status === undefined || outcomeOf(s).status === status);
      const { slice, ...page } = pageOf(sessions, request.query);
      const ids = await messageIdsBySession();
      return { ...page, items: slice.map((s) => sessionJson(s, ids.get(s.id) ?? [], transcript)) };
    },
  );

  app.get<{ Params: { id: string } }>(
    `${API}/sessions/:id`,
    {
      schema: {
        tags: ['sessions'],
        summary: 'One session: client, HELO, TLS, login, outcome, and every line in and out with its time and answering rule',
        params: { type: 'object', properties: { id: { type: 'string', description: 'session id, e.g. s000001' } }, required: ['id'] },
        response: { 200: json('the session'), 404: errorResponse('no such session') },
      },
    },
    async (request) => {
      const s = mx.sessions.get(request.params.id);
      if (!s) throw notFound(`session ${request.params.id}`);
      return sessionJson(s, (await messageIdsBySession()).get(s.id) ?? []);
    },
  );

  app.delete(
    `${API}/sessions`,
    { schema: { tags: ['sessions'], summary: 'Forget every session transcript (messages stay)', response: { 200: json('how many went', { deleted: { type: 'integer' } }) } } },
    async () => ({ deleted: await mx.clearSessions() }),
  );

  const allRefusals = (): Refusal[] =>
    mx.sessions
      .list()
      .flatMap((s) => refusalsOf(s).reverse())
      // stable: within one millisecond the later session, then the later reply, comes first
      .sort((a, b) => b.at - a.at);

  app.get<{ Querystring: PageQuery & RefusalFilter & { since?: string } }>(
    `${API}/rejections`,
    {
      schema: {
        tags: ['rejections'],
        summary: 'Every reply with a code of 400 or more, newest first: session, time, code, enhanced code, text, rule, and the command and recipients it answered',
        querystring: { type: 'object', properties: { ...pagingSchema, ...refusalFilterSchema, since: waitSchema.since } },
        response: { 200: json('a page of refusals', { total: { type: 'integer' }, offset: { type: 'integer' }, limit: { type: 'integer' }, items: { type: 'array' } }) },
      },
    },
    async (request) => {
      const since = parseSince(request.query.since);
      if (since === 'new') throw new HttpError(400, 'since=now is for waiting; give a time to list');
      const matched = allRefusals().filter((r) => sinceAllows(since, r.at) && matchesRefusal(r, request.query));
      const { slice, ...page } = pageOf(matched, request.query);
      return { ...page, items: slice.map(refusalJson) };
    },
  );

  app.get<{ Querystring: RefusalFilter & { timeout?: string; since?: string } }>(
    `${API}/rejections/wait`,
    {
      schema: {
        tags: ['rejections'],
        summary: 'Wait for a matching refusal: answers as soon as one is sent, or 408 at the timeout',
        querystring: { type: 'object', properties: { ...refusalFilterSchema, ...waitSchema } },
        response: { 200: json('the refusal'), 408: errorResponse('none in time') },
      },
    },
    async (request, reply) => {
      const { timeout, since: sinceText, ...filter } = request.query;
      const timeoutMs = parseTimeout(timeout);
      const since = parseSince(sinceText);
      const result = await waitFor<Refusal>(hub, { timeoutMs, gone: clientGone(reply.raw) }, (offer) => {
        const off = hub.on('line', (s: SessionRecord, line) => {
          // a refusal is complete on its last line
          if (line.direction !== 'out' || line.more || (line.code ?? 0) < 400) return;
          const r = refusalsOf(s).at(-1);
          if (r && matchesRefusal(r, filter)) offer(r);
        });
        if (since !== 'new') {
          const found = allRefusals().find((r) => sinceAllows(since, r.at) && matchesRefusal(r, filter));
          if (found) offer(found);
        }
        return off;
      });
      if (!('found' in result)) throw new HttpError(408, `no refusal matching ${describeFilter(filter)} within ${timeoutMs} ms`, { timeoutMs });
      return refusalJson(result.found);
    },
  );
}
