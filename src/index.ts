/** mockmx as a library: start a server in-process, load scenarios, read the catalog. */
export { startServer, type ServerOptions } from './app.js';
export type { MockMxServer, Endpoint, MockMxEvents } from './server/types.js';
export { loadScenario, loadScenarioText, shippedScenarioNames } from './scenario/load.js';
export { ScenarioError, formatProblem, type Problem, type ProblemCode } from './scenario/errors.js';
export { CATALOG, findEntry, entriesOf, type CatalogEntry, type Provider } from './catalog/index.js';
export type { CompiledScenario, CompiledRule, ServerSettings } from './engine/scenario.js';
export type { Reply } from './engine/reply.js';
export type { Stage } from './engine/stages.js';
export type { StoredMessage, ParsedMessage, MessageStore } from './store/types.js';
export type { SessionRecord, TranscriptLine } from './store/sessions.js';
export type { ScenarioFile } from './scenario/schema.js';
