/**
 * Notices waiting to be sent (DSNs, auto-replies): list them, and send those due now. With
 * --redis both cover every instance: each notice names its instance, and a flush asks every
 * instance to send its own (none sends another's).
 */
import type { FastifyInstance } from 'fastify';
import { json, type RouteContext } from '../context.js';
import { API } from '../views.js';

const tags = ['outbound'];

export function outboundRoutes(app: FastifyInstance, { mx }: RouteContext): void {
  app.get(
    `${API}/outbound/pending`,
    {
      schema: {
        tags,
        summary: 'Notices waiting to be sent, soonest first (with --redis every instance\'s, each naming its instance)',
        response: {
          200: json('waiting notices', {
            total: { type: 'integer' },
            items: { type: 'array', items: json('a notice: kind, dueAt, to, about (the message it is about), instance (with --redis)') },
            problem: { type: 'string', description: 'with --redis: why only this instance\'s are listed' },
          }),
        },
      },
    },
    async () => {
      const pending = await mx.outbound.pendingEverywhere();
      const items = [...pending.items].sort((a, b) => a.dueAt - b.dueAt).map((n) => ({ ...n, dueAt: new Date(n.dueAt).toISOString(), links: { about: `${API}/messages/${n.about}` } }));
      return { total: items.length, items, ...('problem' in pending && pending.problem ? { problem: pending.problem } : {}) };
    },
  );

  app.post(
    `${API}/outbound/flush`,
    {
      schema: {
        tags,
        summary: 'Send the notices due now on the clock (with --redis every instance sends its own, and says how many)',
        response: {
          200: json('what went', {
            sent: { type: 'integer' },
            instances: { type: 'object', additionalProperties: { type: 'integer' }, description: 'with --redis: how many each instance sent' },
            unanswered: { type: 'array', items: { type: 'string' }, description: 'with --redis: instances that did not answer within 5 s' },
          }),
        },
      },
    },
    async () => mx.outbound.flushEverywhere(),
  );
}
