/**
 * The HTTP listener: the JSON API under /api/v1/, the event stream, /metrics, /healthz and
 * the OpenAPI document, built on fastify. One listener per mockmx instance; nothing global.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { MockMxServer } from '../server/types.js';
import { requireToken } from './auth.js';
import type { RouteContext } from './context.js';
import { installErrorHandlers } from './errors.js';
import { Hub } from './hub.js';
import { createMetrics } from './metrics.js';
import { pageRoutes } from './page/index.js';
import { catalogRoutes } from './routes/catalog.js';
import { eventRoutes } from './routes/events.js';
import { explainRoutes } from './routes/explain.js';
import { messageRoutes } from './routes/messages.js';
import { outboundRoutes } from './routes/outbound.js';
import { scenarioRoutes } from './routes/scenario.js';
import { serviceRoutes } from './routes/service.js';
import { sessionRoutes } from './routes/sessions.js';
import { reportRoutes } from './routes/report.js';
import { stateRoutes } from './routes/state.js';

export interface HttpOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** When set, every route but /healthz needs `Authorization: Bearer <token>` or `?token=`. */
  readonly token?: string;
  /** How often an idle event stream gets a comment line (default 15 s). */
  readonly heartbeatMs?: number;
  /** More routes on the same listener (the web page), registered after the API and behind the same token. */
  readonly plugins?: readonly ((app: FastifyInstance, context: RouteContext) => void | Promise<void>)[];
}

export interface HttpListener {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Every route served (method and path, HEAD and hidden ones left out): the OpenAPI test checks them all. */
  readonly routes: readonly { readonly method: string; readonly url: string }[];
  /** Event subscriptions held by open event streams and waiting requests (and the metrics' own four). */
  subscriptions(): number;
  close(): Promise<void>;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));
const version = () => (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const TEXT_TYPES = ['text/yaml', 'application/yaml', 'application/x-yaml', 'text/x-yaml'];

export async function startHttp(mx: MockMxServer, options: HttpOptions): Promise<HttpListener> {
  const app = Fastify({ logger: false, forceCloseConnections: true, return503OnClosing: true });
  const hub = new Hub(mx);
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    if ((route.schema as { hide?: boolean } | undefined)?.hide) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  installErrorHandlers(app);
  // response schemas document; they never filter what is sent
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // YAML bodies (and anything else) arrive as text; JSON is parsed as JSON
  app.addContentTypeParser(TEXT_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'mockmx HTTP API',
        description: 'Inspect what a mockmx server accepted and refused, and steer its scenario. Errors are JSON { error, ... }.',
        version: version(),
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the --api-token, when one is set (or ?token=)' } } },
      security: [{}, { bearer: [] }],
      tags: ['messages', 'outbound', 'sessions', 'rejections', 'scenario', 'state', 'report', 'catalog', 'events', 'service'].map((name) => ({ name })),
    },
  });
  if (options.token) requireToken(app, options.token);

  const context: RouteContext = { mx, hub };
  messageRoutes(app, context);
  outboundRoutes(app, context);
  sessionRoutes(app, context);
  scenarioRoutes(app, context);
  stateRoutes(app, context);
  reportRoutes(app, context);
  catalogRoutes(app, context);
  explainRoutes(app, context);
  eventRoutes(app, context, options.heartbeatMs ?? 15_000);
  serviceRoutes(app, context, createMetrics(mx, hub));
  await pageRoutes(app, context);
  for (const plugin of options.plugins ?? []) await plugin(app, context);

  // event streams and waiting requests end before the listener stops accepting
  app.addHook('preClose', async () => hub.close());
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${port}`,
    host: options.host,
    port,
    routes,
    subscriptions: () => hub.count(),
    close: () => (closing ??= app.close()),
  };
}
