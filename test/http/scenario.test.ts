/** Steering over HTTP: the scenario (get, replace, switch), pushed rules, rule state, the catalog. */
import { describe, expect, it } from 'vitest';
import { shippedScenarioNames } from '../../src/scenario/load.js';
import { CATALOG } from '../../src/catalog/index.js';
import { EVENTS } from '../../src/engine/events.js';
import { cmd, dialog } from '../helpers/telnet.js';
import { curl, serveHttp } from './helpers.js';

async function rcptCode(port: number, to: string): Promise<number> {
  const t = await dialog(port, [cmd('EHLO c.test', '250'), cmd('MAIL FROM:<a@x.test>', '250')]);
  const code = (await t.cmd(`RCPT TO:<${to}>`)).code;
  t.close();
  return code;
}

const BLOCK_BOB = `# blocks bob
name: block-bob
description: Bob is refused.
rules:
  - id: no-bob
    description: no mail for bob
    when: { rcpt: "bob@*" }
    then: "550 5.1.1 bob is gone"
`;

describe('GET /api/v1/scenario', () => {
  it('shows name, description, the YAML and the rules as JSON with their source lines', async () => {
    const { api } = await serveHttp(BLOCK_BOB);
    const { status, body } = await api('/api/v1/scenario');
    expect(status).toBe(200);
    expect(body).toMatchObject({ name: 'block-bob', description: 'Bob is refused.', yaml: BLOCK_BOB });
    expect(body.rules).toEqual([
      {
        id: 'no-bob',
        description: 'no mail for bob',
        stages: ['rcpt'],
        when: ['rcpt'],
        then: { kind: 'reply', reply: { code: 550, enhanced: '5.1.1', lines: ['bob is gone'] } },
        source: { file: 'test-scenario.yaml', line: 5, column: 5 },
        pushed: false,
      },
    ]);
    expect(body.server).toMatchObject({ hostname: 'mockmx.test', tls: { starttls: 'offered' } });
  });
});

describe('PUT /api/v1/scenario', () => {
  it('replaces the running scenario with a YAML body (sent with curl)', async () => {
    const { mx, url } = await serveHttp();
    expect(await rcptCode(mx.smtp.port, 'bob@x.test')).toBe(250);
    const res = await curl(['-X', 'PUT', '-H', 'content-type: text/yaml', '--data-binary', '@-', `${url}/api/v1/scenario`], BLOCK_BOB);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toMatchObject({ name: 'block-bob', rules: [{ id: 'no-bob', source: { file: 'scenario.yaml', line: 5 } }] });
    expect(mx.scenario().name).toBe('block-bob');
    expect(await rcptCode(mx.smtp.port, 'bob@x.test')).toBe(550);
  });

  it('accepts application/x-yaml, text/plain, JSON, and curl’s default form type; extends resolves shipped names', async () => {
    const { mx, api } = await serveHttp();
    for (const type of ['application/x-yaml', 'text/plain', 'application/x-www-form-urlencoded']) {
      const r = await api('/api/v1/scenario', { method: 'PUT', headers: { 'content-type': type }, body: `name: via-${type.replace(/\W/g, '')}\nextends: default\n` });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const json = await api('/api/v1/scenario', { method: 'PUT', json: { name: 'from-json', rules: [{ id: 'j', when: { rcpt: 'bob@*' }, then: '451 4.3.0 json' }] } });
    expect(json.status).toBe(200);
    expect(await rcptCode(mx.smtp.port, 'bob@x.test')).toBe(451);
    const empty = await api('/api/v1/scenario', { method: 'PUT', headers: { 'content-type': 'text/yaml' }, body: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatch(/empty/);
  });

  it('an invalid scenario is 400 with every problem at its line and column, and the running one is unchanged', async () => {
    const { mx, api, url } = await serveHttp(BLOCK_BOB);
    const broken = `name: broken
rules:
  - id: one
    whne: { rcpt: "carol@*" }
    then: accept
  - id: two
    when: { rcpt: "dave@*" }
    then: gmail.tls-requird
`;
    const res = await curl(['-X', 'PUT', '-H', 'content-type: application/x-yaml', '--data-binary', '@-', `${url}/api/v1/scenario`], broken);
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body);
    expect(body.error).toBe('invalid scenario');
    expect(body.problems).toEqual([
      expect.objectContaining({ line: 4, column: 5, code: 'MX_UNKNOWN_KEY', message: expect.stringMatching(/whne.*did you mean "when"/) }),
      expect.objectContaining({ line: 8, column: 11, code: 'MX_UNKNOWN_REPLY', message: expect.stringMatching(/gmail\.tls-requird/) }),
    ]);
    const syntax = await api('/api/v1/scenario', { method: 'PUT', headers: { 'content-type': 'text/yaml' }, body: 'rules: [\n' });
    expect(syntax.status).toBe(400);
    expect(syntax.body.problems[0]).toMatchObject({ code: 'MX_YAML', line: expect.any(Number), column: expect.any(Number) });

    // still the old one, as a new SMTP session shows
    expect((await api('/api/v1/scenario')).body.name).toBe('block-bob');
    expect(await rcptCode(mx.smtp.port, 'bob@x.test')).toBe(550);
    expect(await rcptCode(mx.smtp.port, 'carol@x.test')).toBe(250);
  });
});

describe('shipped scenarios', () => {
  it('GET /api/v1/scenarios lists them; PUT /api/v1/scenario/name/:name switches; an unknown name is 404 with the list', async () => {
    const { mx, api } = await serveHttp();
    const names = await api('/api/v1/scenarios');
    expect(names.body).toEqual({ items: shippedScenarioNames(), active: 'default' });
    expect(names.body.items).toContain('gmail');

    const gmail = await api('/api/v1/scenario/name/gmail', { method: 'PUT' });
    expect(gmail.status).toBe(200);
    expect(gmail.body.name).toBe('gmail');
    expect(mx.scenario().name).toBe('gmail');

    const unknown = await api('/api/v1/scenario/name/gmial', { method: 'PUT' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: expect.stringMatching(/gmial.*did you mean "gmail"/), scenarios: shippedScenarioNames() });
    // a path is not a name
    expect((await api(`/api/v1/scenario/name/${encodeURIComponent('../scenarios/default.yaml')}`, { method: 'PUT' })).status).toBe(404);
    expect(mx.scenario().name).toBe('gmail');
  });
});

describe('pushed rules', () => {
  it('POST /api/v1/scenario/rules (curl, YAML) adds a rule that expires after its uses; 201 with its id', async () => {
    const { mx, url, api } = await serveHttp();
    const res = await curl(['-X', 'POST', '-H', 'content-type: text/yaml', '--data-binary', '@-', `${url}/api/v1/scenario/rules`], 'when: { rcpt: "bob@*" }\nthen: "421 4.7.0 Try again later"\ntimes: 2\n');
    expect(res.status).toBe(201);
    const { ids } = JSON.parse(res.body);
    expect(ids).toEqual([expect.stringMatching(/^pushed-\d+$/)]);
    expect((await api('/api/v1/scenario')).body.rules[0]).toMatchObject({ id: ids[0], times: 2, pushed: true });
    expect([await rcptCode(mx.smtp.port, 'bob@x.test'), await rcptCode(mx.smtp.port, 'bob@x.test'), await rcptCode(mx.smtp.port, 'bob@x.test')]).toEqual([421, 421, 250]);
  });

  it('takes JSON (one rule or a list), refuses invalid rules with 400 and problems, and DELETE clears them', async () => {
    const { mx, api } = await serveHttp(BLOCK_BOB);
    const list = await api('/api/v1/scenario/rules', { method: 'POST', json: [{ id: 'c1', when: { rcpt: 'carol@*' }, then: '450 4.2.1 busy' }, { id: 'd1', when: { rcpt: 'dave@*' }, then: 'gmail.rate-limited-recipient' }] });
    expect(list).toMatchObject({ status: 201, body: { ids: ['c1', 'd1'] } });
    const one = await api('/api/v1/scenario/rules', { method: 'POST', json: { when: { rcpt: 'erin@*' }, then: '451 4.3.0 later' } });
    expect(one.status).toBe(201);
    expect(await rcptCode(mx.smtp.port, 'carol@x.test')).toBe(450);
    expect(await rcptCode(mx.smtp.port, 'erin@x.test')).toBe(451);

    const invalid = await api('/api/v1/scenario/rules', { method: 'POST', json: { when: { rcpt: 'frank@*' }, then: 'gmail.tls-requird' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ error: 'invalid rules', problems: [{ code: 'MX_UNKNOWN_REPLY', line: expect.any(Number), column: expect.any(Number), message: expect.stringMatching(/tls-requird/) }] });
    const clash = await api('/api/v1/scenario/rules', { method: 'POST', json: { id: 'c1', then: 'accept' } });
    expect(clash.status).toBe(400);
    expect(clash.body.problems[0].code).toBe('MX_DUPLICATE');
    const badYaml = await api('/api/v1/scenario/rules', { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: 'when: { rcpt: "x@*"\nthen: accept' });
    expect(badYaml.status).toBe(400);
    expect(badYaml.body.problems[0].code).toBe('MX_YAML');
    expect((await api('/api/v1/scenario/rules', { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: ' ' })).status).toBe(400);

    expect(await api('/api/v1/scenario/rules', { method: 'DELETE' })).toMatchObject({ status: 200, body: { removed: 3 } });
    expect((await api('/api/v1/scenario')).body.rules.map((r: any) => r.id)).toEqual(['no-bob']);
    expect(await rcptCode(mx.smtp.port, 'carol@x.test')).toBe(250);
    expect(await rcptCode(mx.smtp.port, 'bob@x.test')).toBe(550);
  });
});

describe('rule state', () => {
  it('GET /api/v1/state lists entries (by prefix); DELETE resets them, by prefix or whole', async () => {
    const { mx, api } = await serveHttp(`
rules:
  - { id: twice, when: { rcpt: "bob@*" }, then: "450 4.2.1 later", times: 2, per: rcpt }
  - { id: grey, when: { rcpt: "carol@*" }, greylist: true, then: "451 4.7.1 greylisted" }
`);
    expect(await rcptCode(mx.smtp.port, 'bob@x.test')).toBe(450);
    expect(await rcptCode(mx.smtp.port, 'carol@x.test')).toBe(451);
    const all = await api('/api/v1/state');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(2);
    const keys = all.body.items.map((e: any) => e.key);
    expect(keys).toEqual(expect.arrayContaining([expect.stringMatching(/^count:twice/), expect.stringMatching(/^greylist:/)]));
    const grey = all.body.items.find((e: any) => e.key.startsWith('greylist:'));
    expect(new Date(grey.expiresAt).toISOString()).toBe(grey.expiresAt);

    const counts = await api('/api/v1/state?prefix=count:');
    expect(counts.body.items).toEqual([expect.objectContaining({ kind: 'counter', value: 1 })]);
    expect(await api('/api/v1/state?prefix=count:', { method: 'DELETE' })).toMatchObject({ status: 200, body: { removed: 1 } });
    // the counter starts over: bob is refused twice more
    expect(await rcptCode(mx.smtp.port, 'bob@x.test')).toBe(450);
    expect(await api('/api/v1/state', { method: 'DELETE' })).toMatchObject({ body: { removed: 2 } });
    expect((await api('/api/v1/state')).body).toEqual({ total: 0, items: [] });
  });
});

describe('catalog', () => {
  it('lists and searches the provider replies; one entry by id; 404 with a suggestion', async () => {
    const { api } = await serveHttp();
    const all = await api('/api/v1/catalog');
    expect(all.body.total).toBe(CATALOG.length);
    const gmail = await api('/api/v1/catalog?provider=gmail');
    expect(gmail.body.items.every((e: any) => e.provider === 'gmail')).toBe(true);
    expect(gmail.body.total).toBeGreaterThan(0);
    expect((await api('/api/v1/catalog?provider=nosuchmail')).status).toBe(400);

    const dmarc = await api('/api/v1/catalog?q=DMARC');
    expect(dmarc.body.total).toBeGreaterThan(0);
    expect(dmarc.body.items.every((e: any) => JSON.stringify([e.id, e.text, e.cause]).toLowerCase().includes('dmarc'))).toBe(true);
    const byCause = await api(`/api/v1/catalog?provider=godaddy&q=${encodeURIComponent('IB212')}`);
    expect(byCause.body.items.map((e: any) => e.id)).toContain('godaddy.ib212-spam');

    const one = await api('/api/v1/catalog/gmail.tls-required');
    expect(one.status).toBe(200);
    expect(one.body).toEqual(JSON.parse(JSON.stringify(CATALOG.find((e) => e.id === 'gmail.tls-required'))));
    const typo = await api('/api/v1/catalog/gmail.tls-requird');
    expect(typo.status).toBe(404);
    expect(typo.body.error).toMatch(/did you mean "gmail.tls-required"/);
  });

  it('GET /api/v1/protocol-events lists the protocol events', async () => {
    const { api } = await serveHttp();
    const { body } = await api('/api/v1/protocol-events');
    expect(body.items).toEqual(Object.entries(EVENTS).map(([name, when]) => ({ name, when })));
  });
});
