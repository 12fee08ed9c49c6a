/**
 * How each provider lays its replies out on the wire: dispatch to the registered provider's
 * style (src/providers/<name>/style.ts). Kept here so the SMTP adapter's imports stay put.
 */
import { REGISTRY, type SessionServer, type StyleContext } from '../providers/index.js';

export type { StyleContext } from '../providers/index.js';

/** `lines` as provider `provider` writes them (a name not registered: unchanged). */
export function styleLines(provider: string, lines: readonly string[], ctx: StyleContext): string[] {
  return REGISTRY.styleLines(provider, lines, ctx);
}

/** Seeded per-session style values: the same seed and session order give the same tokens. */
export function styleContext(random: () => number, server?: SessionServer): StyleContext {
  return REGISTRY.styleContext(random, server);
}
