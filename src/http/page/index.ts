/**
 * The web page at `/`: one HTML document, one ES module and one stylesheet, served by mockmx
 * itself (no CDN, no build step). It reads the JSON API and the event stream like any client;
 * the API token, when one is set, comes in as `?token=` on the page URL and is passed on.
 *
 * The assets are plain files in `assets/` next to this module's source; the compiled module
 * (under dist/) finds them in the source tree, or next to itself if a build copies them there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RouteContext } from '../context.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where the assets may be: beside this module, or (from dist/src/http/page) back in the source tree. */
export const ASSET_DIRS = [join(HERE, 'assets'), resolve(HERE, '..', '..', '..', '..', 'src', 'http', 'page', 'assets')];

const TYPES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'page.css': 'text/css; charset=utf-8',
};

/**
 * The page's own policy: scripts and styles from mockmx only. A message's HTML is shown in a
 * sandboxed `srcdoc` frame (no scripts, opaque origin) that inherits this policy too, so it
 * can load nothing from the network; inline styles are allowed because mail is full of them.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

const escapeAttribute = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function loadAssets(): { dir: string; html: string; files: Map<string, Buffer> } | { missing: string } {
  const dir = ASSET_DIRS.find((d) => existsSync(join(d, 'index.html')));
  if (!dir) return { missing: ASSET_DIRS.join(' or ') };
  const files = new Map(Object.keys(TYPES).map((name) => [name, readFileSync(join(dir, name))]));
  return { dir, html: readFileSync(join(dir, 'index.html'), 'utf8'), files };
}

/** Registers `/` and `/assets/*` (hidden from the OpenAPI document: they are not API). */
export async function pageRoutes(app: FastifyInstance, { mx }: RouteContext): Promise<void> {
  const assets = loadAssets();
  if ('missing' in assets) process.stderr.write(`mockmx: the web page's assets were not found (looked in ${assets.missing}); / answers 500\n`);
  const hide = { schema: { hide: true } };

  const unavailable = (reply: FastifyReply) =>
    reply.code(500).type('text/plain; charset=utf-8').send(`mockmx: the web page's assets are missing (looked in ${'missing' in assets ? assets.missing : ''}); the API under /api/v1/ works.\n`);

  app.get<{ Querystring: { token?: string } }>('/', hide, async (request, reply) => {
    if ('missing' in assets) return unavailable(reply);
    // the token already passed the check (or none is set): the assets need it as well
    const token = typeof request.query.token === 'string' ? request.query.token : '';
    const query = token ? `?token=${encodeURIComponent(token)}` : '';
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(assets.html.replaceAll('%QUERY%', escapeAttribute(query)));
  });

  app.get<{ Params: { file: string } }>('/assets/:file', hide, async (request, reply) => {
    if ('missing' in assets) return unavailable(reply);
    const body = assets.files.get(request.params.file);
    if (!body) return reply.code(404).send({ error: `no asset ${request.params.file}` });
    return reply.headers(PAGE_HEADERS).type(TYPES[request.params.file]!).send(body);
  });

  // The API's scenario view carries the first file's text only; a scenario that `extends`
  // another has rules in the other files too, and the page shows each rule where it is written.
  app.get('/page/scenario/sources', hide, async () => ({ name: mx.scenario().name, sources: mx.scenario().sources }));
}
