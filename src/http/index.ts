/** The HTTP side of mockmx: `startHttp(server, { host, port, token })`. */
export { startHttp, type HttpListener, type HttpOptions } from './server.js';
export type { RouteContext } from './context.js';
export { API } from './views.js';
