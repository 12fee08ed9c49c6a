/**
 * The sender report card: how each SMTP client handled the failures it met, as JSON or JUnit
 * XML (for CI dashboards), narrowed by sender, client IP and time; and a reset.
 */
import type { FastifyInstance } from 'fastify';
import { parseReportFilter, ReportFilterError, toJUnit, type ReportFilter } from '../../report/index.js';
import { json, type RouteContext } from '../context.js';
import { HttpError } from '../errors.js';
import { API } from '../views.js';

export interface ReportQuery {
  sender?: string;
  ip?: string;
  from?: string;
  to?: string;
  format?: 'json' | 'junit';
}

const querystring = {
  type: 'object',
  properties: {
    sender: { type: 'string', description: 'envelope sender, whole address, case-insensitive ("" for the null sender <>)' },
    ip: { type: 'string', description: 'client IP address' },
    from: { type: 'string', description: 'only what happened at or after this time (ISO 8601 or ms since the epoch)' },
    to: { type: 'string', description: 'only what happened before this time (ISO 8601 or ms since the epoch)' },
    format: { type: 'string', enum: ['json', 'junit'], description: 'json (default) or junit: JUnit XML, one testsuite per sender, one testcase per check' },
  },
} as const;

/** The filter a query asks for; 400 on a time that is not one or a range that ends before it starts. */
export function reportFilterOf(q: ReportQuery): ReportFilter {
  try {
    return parseReportFilter(q);
  } catch (err) {
    if (!(err instanceof ReportFilterError)) throw err;
    throw new HttpError(400, err.message, { code: err.code, expected: err.expected, got: err.got });
  }
}

export function reportRoutes(app: FastifyInstance, { mx }: RouteContext): void {
  app.get<{ Querystring: ReportQuery }>(
    `${API}/report`,
    {
      schema: {
        tags: ['report'],
        summary: 'The sender report card: per client IP and envelope sender, each check (RFC clause, remedy, verdict pass / fail / not-exercised, evidence)',
        querystring,
        response: { 200: json('the report: generatedAt, filter, summary, senders[].checks[]') },
      },
    },
    async (request, reply) => {
      const report = mx.report(reportFilterOf(request.query));
      if (request.query.format === 'junit') return reply.type('application/xml; charset=utf-8').send(toJUnit(report));
      return report;
    },
  );

  app.delete(
    `${API}/report`,
    { schema: { tags: ['report'], summary: 'Start the report card over (sessions open now are not graded)', response: { 200: json('done', { reset: { type: 'boolean' } }) } } },
    async () => {
      mx.resetReport();
      return { reset: true };
    },
  );
}
