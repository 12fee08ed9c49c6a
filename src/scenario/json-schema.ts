/** The published JSON Schema text, generated from the zod schema (the one source of truth). */
import { scenarioJsonSchema } from './schema.js';

export function scenarioJsonSchemaText(): string {
  const schema = {
    ...scenarioJsonSchema(),
    title: 'mockmx scenario',
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
