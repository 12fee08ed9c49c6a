/** The running scenario: show it, replace it with YAML, switch to a shipped one, push and clear one-off rules. */
import type { FastifyInstance } from 'fastify';
import { stringify } from 'yaml';
import { ScenarioError } from '../../scenario/errors.js';
import { loadScenario, loadScenarioText, shippedScenarioNames } from '../../scenario/load.js';
import type { RuleSpec } from '../../scenario/schema.js';
import { didYouMean } from '../../util/suggest.js';
import { errorResponse, json, type RouteContext } from '../context.js';
import { HttpError, problemsBody } from '../errors.js';
import { API, PUSHED_FILE, scenarioJson } from '../views.js';

const tags = ['scenario'];
/** The file name problems in a PUT body are reported against (`extends` resolves from the working directory). */
export const PUT_FILE = 'scenario.yaml';
const YAML_TYPES = ['text/yaml', 'application/yaml', 'application/x-yaml', 'text/x-yaml', 'text/plain'];
const problemsResponse = json('invalid: every problem with its line and column; nothing changed', {
  error: { type: 'string' },
  problems: { type: 'array', items: { type: 'object', properties: { line: { type: 'integer' }, column: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' }, file: { type: 'string' } } } },
});
const yamlBody = (description: string) => ({ description, anyOf: [{ type: 'string' }, { type: 'object' }, { type: 'array' }] });

/** A body as YAML text: text types arrive as a string, JSON as a value (YAML is a superset of JSON). */
function bodyText(body: unknown): string {
  requireBody(body);
  return typeof body === 'string' ? body : stringify(body);
}

function requireBody(body: unknown): void {
  if (body === undefined || body === null || (typeof body === 'string' && body.trim() === '')) {
    throw new HttpError(400, 'the request body is empty; send YAML (content-type text/yaml) or JSON');
  }
}

export function scenarioRoutes(app: FastifyInstance, { mx }: RouteContext): void {
  app.get(
    `${API}/scenario`,
    { schema: { tags, summary: 'The running scenario: name, description, its YAML, and its rules as JSON (id, stages, source file:line, description)', response: { 200: json('the scenario') } } },
    async () => scenarioJson(mx.scenario()),
  );

  app.put(
    `${API}/scenario`,
    {
      schema: {
        tags,
        summary: 'Replace the running scenario with a YAML document; rule state and pushed rules start over',
        consumes: YAML_TYPES.concat('application/json'),
        body: yamlBody('a scenario file'),
        response: { 200: json('the new scenario'), 400: problemsResponse },
      },
    },
    async (request) => {
      const compiled = loadScenarioText(bodyText(request.body), PUT_FILE); // ScenarioError → 400 with problems
      return scenarioJson(mx.useScenario(compiled));
    },
  );

  app.get(
    `${API}/scenarios`,
    { schema: { tags, summary: 'The shipped scenarios, by name', response: { 200: json('names', { items: { type: 'array', items: { type: 'string' } } }) } } },
    async () => ({ items: shippedScenarioNames(), active: mx.scenario().name }),
  );

  app.put<{ Params: { name: string } }>(
    `${API}/scenario/name/:name`,
    {
      schema: {
        tags,
        summary: 'Switch to a shipped scenario by name',
        params: { type: 'object', properties: { name: { type: 'string', description: 'a name from GET /scenarios' } }, required: ['name'] },
        response: { 200: json('the new scenario'), 404: errorResponse('no shipped scenario of that name; the names are listed') },
      },
    },
    async (request) => {
      const names = shippedScenarioNames();
      const { name } = request.params;
      // only shipped names: a path here would read files off the server
      if (!names.includes(name)) throw new HttpError(404, `no shipped scenario "${name}"${didYouMean(name, names)}`, { scenarios: names });
      return scenarioJson(mx.useScenario(loadScenario(name)));
    },
  );

  app.post(
    `${API}/scenario/rules`,
    {
      schema: {
        tags,
        summary: 'Push one-off rules in front of the scenario’s own (newest first); with times: N they expire after N uses',
        consumes: YAML_TYPES.concat('application/json'),
        body: yamlBody('one rule or a list of rules, as YAML or JSON'),
        response: { 201: json('the ids of the rules added', { ids: { type: 'array', items: { type: 'string' } } }), 400: problemsResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      requireBody(body);
      const rules = typeof body === 'string' ? body : (body as RuleSpec | RuleSpec[]);
      let ids: string[];
      try {
        ids = mx.addRules(rules);
      } catch (err) {
        if (err instanceof ScenarioError) return reply.code(400).send(problemsBody(err, 'invalid rules'));
        throw err;
      }
      return reply.code(201).send({ ids });
    },
  );

  app.delete(
    `${API}/scenario/rules`,
    { schema: { tags, summary: 'Remove every pushed rule', response: { 200: json('how many went', { removed: { type: 'integer' } }) } } },
    async () => {
      const removed = mx.scenario().rules.filter((r) => r.source.file === PUSHED_FILE).length;
      mx.clearRules();
      return { removed };
    },
  );
}
