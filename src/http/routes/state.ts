/** Rule state (counters, windows, greylist entries, flags, mailbox usage): list and reset. */
import type { FastifyInstance } from 'fastify';
import { json, type RouteContext } from '../context.js';
import { API } from '../views.js';

const prefix = { type: 'object', properties: { prefix: { type: 'string', description: 'only keys starting with this (a whole key for one entry)' } } } as const;

export function stateRoutes(app: FastifyInstance, { mx }: RouteContext): void {
  app.get<{ Querystring: { prefix?: string } }>(
    `${API}/state`,
    { schema: { tags: ['state'], summary: 'Rule state entries, e.g. count:rule|rcpt=bob@x, greylist:…, flag:…, mailbox:…', querystring: prefix, response: { 200: json('entries') } } },
    async (request) => {
      const items = (await mx.stateEntries(request.query.prefix)).map((e) => ({ ...e, ...(e.expiresAt !== undefined ? { expiresAt: new Date(e.expiresAt).toISOString() } : {}) }));
      return { total: items.length, items };
    },
  );

  app.delete<{ Querystring: { prefix?: string } }>(
    `${API}/state`,
    { schema: { tags: ['state'], summary: 'Forget rule state, whole or the keys with a prefix', querystring: prefix, response: { 200: json('how many went', { removed: { type: 'integer' } }) } } },
    async (request) => ({ removed: await mx.resetState(request.query.prefix || undefined) }),
  );
}
