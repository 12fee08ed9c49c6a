/**
 * The sender report card of a running mockmx, fetched over its HTTP API (`GET /api/v1/report`),
 * with every way that can fail turned into one line that says what to do.
 */
import type { Report, ReportFilter } from './report/index.js';

/** The server could not be asked, or did not answer with a report. */
export class RemoteReportError extends Error {}

export interface RemoteOptions {
  /** The HTTP API's base, e.g. `http://127.0.0.1:8025` (a trailing `/api/v1` is fine too). */
  readonly url: string;
  /** The API's bearer token (`--api-token` of the server). */
  readonly token?: string | undefined;
  readonly timeoutMs?: number;
}

/** `http://host:port/api/v1/report?…` for a base URL; throws RemoteReportError on one that is not http(s). */
export function reportUrl(base: string, filter: ReportFilter): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new RemoteReportError(`--url "${base}" is not a URL; give the HTTP API's address, e.g. http://127.0.0.1:8025`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RemoteReportError(`--url "${base}" is not http(s); give the HTTP API's address, e.g. http://127.0.0.1:8025`);
  url.pathname = `${url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}/api/v1/report`;
  url.search = '';
  if (filter.sender !== undefined) url.searchParams.set('sender', filter.sender);
  if (filter.clientIp !== undefined) url.searchParams.set('ip', filter.clientIp);
  if (filter.from !== undefined) url.searchParams.set('from', String(filter.from));
  if (filter.to !== undefined) url.searchParams.set('to', String(filter.to));
  return url;
}

/** Why a fetch failed, from the error's cause (`ECONNREFUSED`, `ENOTFOUND`…). */
function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND') return 'no such host';
  if ((err as Error).name === 'TimeoutError') return 'no answer in time';
  return cause?.message ?? (err as Error).message;
}

const looksLikeReport = (v: unknown): v is Report =>
  typeof v === 'object' && v !== null && Array.isArray((v as Report).senders) && typeof (v as Report).summary === 'object' && typeof (v as Report).generatedAt === 'number';

/** The report as the server makes it now, narrowed by `filter`. */
export async function fetchReport(options: RemoteOptions, filter: ReportFilter): Promise<Report> {
  const url = reportUrl(options.url, filter);
  const where = `${url.origin}${url.pathname}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new RemoteReportError(`cannot reach mockmx at ${url.origin} (${reason(err)}); is it running, and is --url its HTTP API (--http-port, default 8025)?`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const said = (body as { error?: unknown } | undefined)?.error;
  if (response.status === 401) throw new RemoteReportError(`${where}: ${typeof said === 'string' ? said : 'unauthorized'}; pass the server's --api-token with --token or MOCKMX_API_TOKEN`);
  if (!response.ok) throw new RemoteReportError(`${where}: HTTP ${response.status}${typeof said === 'string' ? `: ${said}` : ''}`);
  if (!looksLikeReport(body)) throw new RemoteReportError(`${where} did not answer with a report card: is --url a mockmx ${'HTTP API'} of a version with GET /api/v1/report?`);
  return body;
}
