/**
 * `--api-token`: when set, every route but /healthz needs `Authorization: Bearer <token>`, or
 * `?token=<token>` where a header cannot be set (EventSource, a browser link).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

const OPEN_PATHS = new Set(['/healthz']);
const digest = (s: string) => createHash('sha256').update(s).digest();

export function requireToken(app: FastifyInstance, token: string): void {
  const expected = digest(token);
  const matches = (given: string | undefined) => given !== undefined && timingSafeEqual(digest(given), expected);
  app.addHook('onRequest', async (request, reply) => {
    if (OPEN_PATHS.has(request.url.split('?')[0]!)) return;
    const header = request.headers.authorization;
    const bearer = header && /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    const query = (request.query as Record<string, unknown> | undefined)?.token;
    if (matches(bearer || undefined) || matches(typeof query === 'string' ? query : undefined)) return;
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="mockmx"')
      .send({ error: header || query ? 'invalid API token' : 'an API token is required: send "Authorization: Bearer <token>" or ?token=<token>' });
  });
}
