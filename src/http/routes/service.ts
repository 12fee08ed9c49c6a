/** Liveness, Prometheus metrics, and the OpenAPI document describing every route. */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { json, type RouteContext } from '../context.js';
import { API } from '../views.js';

export function serviceRoutes(app: FastifyInstance, { mx }: RouteContext, metrics: Registry): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['service'],
        summary: 'Liveness: 200 while the server runs (needs no token)',
        security: [],
        response: { 200: json('ok', { status: { type: 'string' }, smtp: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer' } } } }) },
      },
    },
    async () => ({ status: 'ok', smtp: mx.smtp, ...(mx.smtps ? { smtps: mx.smtps } : {}), scenario: mx.scenario().name }),
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['service'],
        summary: 'Prometheus metrics: sessions, messages, bytes, replies by code, enhanced code and rule, active connections',
        produces: ['text/plain'],
        response: { 200: { description: 'Prometheus text exposition format', type: 'string' } },
      },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  );

  app.get(`${API}/openapi.json`, { schema: { tags: ['service'], summary: 'This API as an OpenAPI 3 document', response: { 200: json('OpenAPI 3 document') } } }, async () => app.swagger());
}
