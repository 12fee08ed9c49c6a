/** What every route module gets: the mockmx instance and the event hub of this listener. */
import type { MockMxServer } from '../server/types.js';
import type { Hub } from './hub.js';

export interface RouteContext {
  readonly mx: MockMxServer;
  readonly hub: Hub;
}

/** Documentation-only response schemas (responses are serialised as they are, never filtered). */
export const json = (description: string, properties?: Record<string, unknown>) => ({
  description,
  type: 'object',
  ...(properties ? { properties } : {}),
  additionalProperties: true,
});

export const errorResponse = (description: string) => json(description, { error: { type: 'string' } });
