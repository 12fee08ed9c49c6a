/**
 * The stored message a 250 answered. Most scenarios say `queued as <id>`; a provider's own
 * wording may name no stored id (Gmail's `250 2.0.0 OK  <time> <session id> - gsmtp`), so then
 * the message is found by its bytes, which these tests make unique per message.
 */
import type { MockMxServer } from '../../src/server/types.js';
import type { StoredMessage } from '../../src/store/types.js';

export const queuedId = (line: string): string | undefined => / queued as (\S+)/.exec(line)?.[1];

export async function storedFor(server: MockMxServer, line: string, raw: Buffer): Promise<StoredMessage | undefined> {
  const id = queuedId(line);
  if (id) return server.messages.get(id);
  const same = (await server.messages.list()).filter((m) => m.raw.equals(raw));
  return same.length === 1 ? same[0] : undefined;
}
