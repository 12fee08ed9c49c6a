/** The bounce explainer over HTTP: a production bounce or log line in, ranked catalog entries out. */
import type { FastifyInstance } from 'fastify';
import { explain } from '../../explain/index.js';
import { errorResponse, json, type RouteContext } from '../context.js';
import { HttpError } from '../errors.js';
import { API } from '../views.js';

export interface ExplainBody {
  text: string;
  limit?: number;
}

export function explainRoutes(app: FastifyInstance, _ctx: RouteContext): void {
  app.post<{ Body: ExplainBody }>(
    `${API}/explain`,
    {
      schema: {
        tags: ['catalog'],
        summary: 'Which catalog entries a bounce is: a Postfix or Exim log line, a DSN Diagnostic-Code or a raw reply → ranked matches with cause, next step and the rule that reproduces it',
        body: {
          type: 'object',
          required: ['text'],
          additionalProperties: false,
          properties: {
            text: { type: 'string', minLength: 1, maxLength: 65536, description: 'the bounce text or MTA log line, as pasted (several lines allowed)' },
            limit: { type: 'integer', minimum: 1, maximum: 50, description: 'at most this many matches (default 5)' },
          },
        },
        response: {
          200: json('parsed (format, code, enhanced, text, command, hosts), providers, next, matches[] (id, provider, score, why, code, enhanced, stage, text, cause, next, reproduce { rule, magicRecipient })'),
          400: errorResponse('no JSON body, or no text'),
        },
      },
    },
    async (request) => {
      if (!request.body.text.trim()) throw new HttpError(400, 'text is blank: paste the bounce or log line');
      return explain(request.body.text, { limit: request.body.limit ?? 5 });
    },
  );
}
