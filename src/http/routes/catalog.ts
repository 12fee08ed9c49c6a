/** The provider reply catalog and the protocol events, to browse and search. */
import type { FastifyInstance } from 'fastify';
import { CATALOG, entriesOf, findEntry, PROVIDERS, type Provider } from '../../catalog/index.js';
import { EVENTS } from '../../engine/events.js';
import { didYouMean } from '../../util/suggest.js';
import { errorResponse, json, type RouteContext } from '../context.js';
import { HttpError } from '../errors.js';
import { API } from '../views.js';

export function catalogRoutes(app: FastifyInstance, _ctx: RouteContext): void {
  app.get<{ Querystring: { provider?: Provider; q?: string } }>(
    `${API}/catalog`,
    {
      schema: {
        tags: ['catalog'],
        summary: 'Provider replies (the ids a rule’s then: can name); search by id, text or cause',
        querystring: {
          type: 'object',
          properties: {
            provider: { type: 'string', enum: [...PROVIDERS] },
            q: { type: 'string', description: 'id, code, enhanced code, text or cause contains (case-insensitive)' },
          },
        },
        response: { 200: json('entries', { total: { type: 'integer' }, items: { type: 'array' } }) },
      },
    },
    async (request) => {
      const q = request.query.q?.toLowerCase();
      const items = entriesOf(request.query.provider).filter(
        (e) => !q || [e.id, String(e.code), e.enhanced ?? '', e.text, e.cause, e.providerCode ?? ''].some((v) => v.toLowerCase().includes(q)),
      );
      return { total: items.length, items };
    },
  );

  app.get<{ Params: { id: string } }>(
    `${API}/catalog/:id`,
    {
      schema: {
        tags: ['catalog'],
        summary: 'One catalog entry',
        params: { type: 'object', properties: { id: { type: 'string', description: 'e.g. gmail.tls-required' } }, required: ['id'] },
        response: { 200: json('the entry'), 404: errorResponse('no such entry') },
      },
    },
    async (request) => {
      const entry = findEntry(request.params.id);
      if (!entry) throw new HttpError(404, `no catalog entry "${request.params.id}"${didYouMean(request.params.id, CATALOG.map((e) => e.id))}`);
      return entry;
    },
  );

  app.get(
    `${API}/protocol-events`,
    {
      schema: {
        tags: ['catalog'],
        summary: 'Protocol events: the server’s own refusals, which a scenario’s replies: table rewords and when: { event } rules answer',
        response: { 200: json('events', { items: { type: 'array' } }) },
      },
    },
    async () => ({ items: Object.entries(EVENTS).map(([name, when]) => ({ name, when })) }),
  );
}
