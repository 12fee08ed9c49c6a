/** Every error the API sends is JSON `{ error, ... }` with the status that says what went wrong. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { ScenarioError } from '../scenario/errors.js';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string, extra: Record<string, unknown> = {}) => new HttpError(404, `${what} not found`, extra);

/** A scenario or rule problem list as the API shows it: every one pinned to line:column. */
export function problemsBody(err: ScenarioError, error = 'invalid scenario') {
  return {
    error,
    problems: err.problems.map((p) => ({ file: p.file, line: p.line, column: p.column, code: p.code, message: p.message })),
  };
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError | ScenarioError, request, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.message, ...err.extra });
    if (err instanceof ScenarioError) return reply.code(400).send(problemsBody(err));
    const fe = err as FastifyError;
    if (fe.validation) return reply.code(400).send({ error: `${fe.validationContext ?? 'request'} ${fe.message.replace(/^(querystring|params|body)\s*/, '')}`.trim() });
    const status = fe.statusCode && fe.statusCode >= 400 ? fe.statusCode : 500;
    // the API's own bugs must not pass silently
    if (status >= 500) process.stderr.write(`mockmx: http ${request.method} ${request.url}: ${fe.stack ?? String(err)}\n`);
    return reply.code(status).send({ error: status >= 500 ? `internal error: ${fe.message}` : fe.message, ...(fe.code ? { code: fe.code } : {}) });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, docs: '/api/v1/openapi.json' });
  });
}
