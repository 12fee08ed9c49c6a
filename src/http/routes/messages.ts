/** Accepted messages: list and search, one, its raw .eml, an attachment, delete; and waiting for one. */
import type { FastifyInstance } from 'fastify';
import { loadMailparser } from '../../util/lazy-modules.js';
import type { StoredMessage } from '../../store/types.js';
import { errorResponse, json, type RouteContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import { describeFilter, matchesMessage, messageFilterSchema, type MessageFilter } from '../filters.js';
import { pageOf, pagingSchema, type PageQuery } from '../paging.js';
import { transactionOf } from '../../store/transcript-outcome.js';
import { API, messageDetail, messageSummary } from '../views.js';
import { clientGone, parseSince, parseTimeout, settle, sinceAllows, waitFor, waitSchema } from '../wait.js';

const tags = ['messages'];
const idParam = { type: 'object', properties: { id: { type: 'string', description: 'message id, e.g. m000001' } }, required: ['id'] } as const;

/** `filename="…"` for plain ASCII names, plus RFC 5987 `filename*` for any other. */
function disposition(kind: 'inline' | 'attachment', filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function messageRoutes(app: FastifyInstance, { mx, hub }: RouteContext): void {
  const get = async (id: string): Promise<StoredMessage> => {
    const m = await mx.messages.get(id);
    if (!m) throw notFound(`message ${id}`);
    return m;
  };
  /** The bytes as a stream; another instance's message is opened first, so a failure is a clear 502, not a cut response. */
  const rawOf = async (m: StoredMessage) => (m.openRaw ? m.openRaw().catch((err: Error) => Promise.reject(new HttpError(502, err.message))) : m.rawStream());
  const summary = async (m: StoredMessage) => messageSummary(m, await m.parsed(), mx.sessions.get(m.sessionId));
  const detail = async (m: StoredMessage) => messageDetail(m, await m.parsed(), mx.sessions.get(m.sessionId));

  app.get<{ Querystring: PageQuery & MessageFilter }>(
    `${API}/messages`,
    {
      schema: {
        tags,
        summary: 'List accepted messages, newest first; paged and searchable',
        querystring: { type: 'object', properties: { ...pagingSchema, ...messageFilterSchema } },
        response: { 200: json('a page of message summaries', { total: { type: 'integer' }, offset: { type: 'integer' }, limit: { type: 'integer' }, items: { type: 'array' } }) },
      },
    },
    async (request) => {
      const matched: StoredMessage[] = [];
      for (const m of await mx.messages.list()) if (await matchesMessage(m, mx.sessions.get(m.sessionId), request.query)) matched.push(m);
      const { slice, ...page } = pageOf(matched, request.query);
      return { ...page, items: await Promise.all(slice.map(summary)) };
    },
  );

  app.get<{ Querystring: MessageFilter & { timeout?: string; since?: string } }>(
    `${API}/messages/wait`,
    {
      schema: {
        tags,
        summary: 'Wait for a matching message: answers as soon as one is there, or 408 at the timeout',
        querystring: { type: 'object', properties: { ...messageFilterSchema, ...waitSchema } },
        response: { 200: json('the message, as GET /messages/{id} shows it'), 408: errorResponse('none arrived in time') },
      },
    },
    async (request, reply) => {
      const { timeout, since: sinceText, ...filter } = request.query;
      const timeoutMs = parseTimeout(timeout);
      const since = parseSince(sinceText);
      const result = await waitFor<StoredMessage>(hub, { timeoutMs, gone: clientGone(reply.raw) }, (offer) => {
        const consider = (m: StoredMessage) => {
          matchesMessage(m, mx.sessions.get(m.sessionId), filter).then((ok) => ok && offer(m), () => undefined);
        };
        const off = hub.on('message', consider);
        if (since !== 'new') {
          void (async () => {
            for (const m of await mx.messages.list()) {
              if (sinceAllows(since, m.receivedAt) && (await matchesMessage(m, mx.sessions.get(m.sessionId), filter))) return offer(m);
            }
          })().catch(() => undefined);
        }
        return off;
      });
      if (!('found' in result)) throw new HttpError(408, `no message matching ${describeFilter(filter)} within ${timeoutMs} ms`, { timeoutMs });
      const m = result.found;
      // the message is stored a moment before its 250 is written: answer once the transcript shows it
      // (a session not kept here, e.g. another instance's that started before this one, has nothing to wait for)
      const session = () => mx.sessions.get(m.sessionId);
      await settle(hub, () => !session() || !!transactionOf(m, session())?.reply || session()?.endedAt !== undefined, 2000);
      return detail(m);
    },
  );

  app.get<{ Params: { id: string } }>(
    `${API}/messages/:id`,
    {
      schema: {
        tags,
        summary: 'One message: envelope, headers, text, html, attachments, authentication results, its transaction and session',
        params: idParam,
        response: { 200: json('the message'), 404: errorResponse('no such message') },
      },
    },
    async (request) => detail(await get(request.params.id)),
  );

  app.get<{ Params: { id: string } }>(
    `${API}/messages/:id/raw`,
    {
      schema: {
        tags,
        summary: 'The message exactly as received (.eml)',
        params: idParam,
        produces: ['message/rfc822'],
        response: { 200: { description: 'the raw message', type: 'string' }, 404: errorResponse('no such message') },
      },
    },
    async (request, reply) => {
      const m = await get(request.params.id);
      return reply.type('message/rfc822').header('content-length', m.size).header('content-disposition', disposition('inline', `${m.id}.eml`)).send(await rawOf(m));
    },
  );

  app.get<{ Params: { id: string; index: number } }>(
    `${API}/messages/:id/attachments/:index`,
    {
      schema: {
        tags,
        summary: 'One attachment, decoded, with its content type and filename',
        params: { type: 'object', properties: { ...idParam.properties, index: { type: 'integer', minimum: 0, description: 'position in the attachment list, from 0' } }, required: ['id', 'index'] },
        produces: ['application/octet-stream'],
        response: { 200: { description: 'the attachment bytes', type: 'string' }, 404: errorResponse('no such message or attachment') },
      },
    },
    async (request, reply) => {
      const m = await get(request.params.id);
      const { simpleParser } = await loadMailparser();
      const parsed = await simpleParser(await rawOf(m), { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
      const a = parsed.attachments[request.params.index];
      if (!a) throw notFound(`attachment ${request.params.index} of message ${m.id}`, { attachments: parsed.attachments.length });
      return reply
        .type(a.contentType || 'application/octet-stream')
        .header('content-disposition', disposition('attachment', a.filename ?? `attachment-${request.params.index}`))
        .send(a.content);
    },
  );

  app.delete<{ Params: { id: string } }>(
    `${API}/messages/:id`,
    { schema: { tags, summary: 'Delete one message', params: idParam, response: { 200: json('deleted', { deleted: { type: 'integer' } }), 404: errorResponse('no such message') } } },
    async (request) => {
      if (!(await mx.messages.delete(request.params.id))) throw notFound(`message ${request.params.id}`);
      return { deleted: 1 };
    },
  );

  app.delete(
    `${API}/messages`,
    { schema: { tags, summary: 'Delete every message', response: { 200: json('how many went', { deleted: { type: 'integer' } }) } } },
    async () => {
      const deleted = await mx.messages.count();
      await mx.messages.clear();
      return { deleted };
    },
  );
}
