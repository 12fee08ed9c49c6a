#!/usr/bin/env node
/**
 * The `mockmx` command: run the server (default), `validate` scenario files, list the
 * `catalog`, or print the sender `report` card (src/cli-report.ts). Flags are parsed with
 * node's util.parseArgs (src/cli-args.ts); values are validated by config.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { entriesOf, PROVIDERS, type Provider } from './catalog/index.js';
import { describeSource } from './catalog/sources.js';
import { parse, UsageError } from './cli-args.js';
import { ConfigError, OPTIONS, resolveConfig } from './config.js';
import { EVENTS } from './engine/events.js';
import { StateUnavailableError } from './state/types.js';
import { explain, explanationText } from './explain/index.js';
import { formatProblem, ScenarioError } from './scenario/errors.js';
import { loadScenario, shippedScenarioNames } from './scenario/load.js';
import { certificateFromFiles } from './smtp/tls.js';
import { hostPort } from './scenario/compile.js';
import { watchScenario } from './watch.js';
import { didYouMean } from './util/suggest.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function version(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** `reportUsage`: the report subcommand's lines (src/cli-report.ts, loaded only when asked for). */
function usage(reportUsage: string): string {
  const flags = Object.values(OPTIONS)
    .map((o) => `  --${o.flag.padEnd(14)} ${o.help}\n  ${''.padEnd(16)} env ${o.env}`)
    .join('\n');
  return `mockmx ${version()} — a mock SMTP server that fails the way real providers fail

Usage:
  mockmx [options]                  run the server
  mockmx validate FILE...           check scenario files; exit 1 with file:line:col problems
  mockmx catalog [--provider P] [--json]
                                    list provider replies (providers: ${PROVIDERS.join(', ')})
  mockmx catalog --events [--json]  list protocol events (keys of a scenario's replies: table)
  mockmx explain [--json] [--limit N] "BOUNCE"
                                    which catalog entries a bounce or MTA log line is, what to do
                                    next and how to reproduce it (no BOUNCE: read stdin); exit 1: none
  mockmx dkim-keygen --domain D [--selector S] [--bits N]
                                    a DKIM key for the sender under test, and its DNS record
${reportUsage}
Options:
${flags}
  --help             this text
  --version          the version

Shipped scenarios: ${shippedScenarioNames().join(', ')}
`;
}

async function serve(args: string[]): Promise<void> {
  // --watch is a switch; every other option takes a value
  const flagOptions = Object.fromEntries(Object.values(OPTIONS).map((o) => [o.flag, { type: o.flag === 'watch' ? ('boolean' as const) : ('string' as const) }]));
  const { values, positionals } = parse(args, { ...flagOptions, help: { type: 'boolean' }, version: { type: 'boolean' } });
  if (values.help) return void process.stdout.write(usage((await import('./cli-report.js')).REPORT_USAGE));
  if (values.version) return void process.stdout.write(`${version()}\n`);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"${didYouMean(positionals[0]!, ['validate', 'catalog', 'explain', 'dkim-keygen', 'report'])}; see mockmx --help`);

  const flags = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : v])) as Record<string, string | undefined>;
  const config = resolveConfig(flags, process.env);
  const scenario = loadScenario(config.scenario);
  // loaded here so validate and catalog start fast
  const { startHttpApi, startServer } = await import('./app.js');
  const server = await startServer({
    scenario,
    host: config.host,
    smtpPort: config.smtpPort,
    ...(config.smtpsPort !== undefined ? { smtpsPort: config.smtpsPort } : {}),
    ...(config.seed !== undefined ? { seed: config.seed } : {}),
    maxMessages: config.maxMessages,
    ...(config.tlsCert && config.tlsKey ? { tls: certificateFromFiles(config.tlsCert, config.tlsKey) } : {}),
    ...(config.store ? { store: config.store } : {}),
    ...(config.bounceTo ? { bounceTo: hostPort(config.bounceTo) } : {}),
    ...(config.redis ? { redis: config.redis } : {}),
  });
  const watching =
    config.watch === 'true' || config.watch === '1'
      ? watchScenario(config.scenario, scenario, {
          loaded: (next) => {
            server.useScenario(next);
            process.stderr.write(`mockmx: reloaded scenario "${next.name}" (${next.rules.length} rules)\n`);
          },
          failed: (err) => {
            const problems = err instanceof ScenarioError ? err.problems.map(formatProblem).join('\n') : err.message;
            process.stderr.write(`mockmx: scenario not reloaded, the running one stays:\n${problems}\n`);
          },
        })
      : undefined;
  // HTTP after SMTP, before any line is printed: once they are, the signal handlers follow at once
  const http = await startHttpApi(server, { host: config.host, port: config.httpPort, ...(config.apiToken ? { token: config.apiToken } : {}) }).catch(async (err: unknown) => {
    await server.close(0);
    throw err;
  });
  const show = (h: string) => (h.includes(':') ? `[${h}]` : h);
  process.stdout.write(`smtp listening on ${show(server.smtp.host)}:${server.smtp.port}\n`);
  if (server.smtps) process.stdout.write(`smtps listening on ${show(server.smtps.host)}:${server.smtps.port}\n`);
  process.stdout.write(`http listening on ${show(config.host)}:${http.port}\n`);
  process.stderr.write(`mockmx: scenario "${scenario.name}" (${scenario.rules.length} rules), seed ${server.seed}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // a second signal: do not wait
    stopping = true;
    process.stderr.write(`mockmx: ${signal}, shutting down\n`);
    watching?.close();
    Promise.all([http.close(), server.close(5000)]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function validate(args: string[]): number {
  const { positionals } = parse(args, {});
  if (!positionals.length) throw new UsageError('validate needs at least one scenario file; see mockmx --help');
  let failed = 0;
  for (const file of positionals) {
    try {
      const scenario = loadScenario(file);
      process.stdout.write(`${file}: ok (${scenario.rules.length} rules)\n`);
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      failed++;
      for (const p of err.problems) process.stderr.write(`${formatProblem(p)}\n`);
    }
  }
  return failed ? 1 : 0;
}

function catalog(args: string[]): number {
  const { values } = parse(args, { provider: { type: 'string' }, json: { type: 'boolean' }, events: { type: 'boolean' } });
  if (values.events) {
    if (values.json) process.stdout.write(`${JSON.stringify(EVENTS, null, 2)}\n`);
    else for (const [name, when] of Object.entries(EVENTS)) process.stdout.write(`${name.padEnd(28)} ${when}\n`);
    return 0;
  }
  const provider = values.provider as string | undefined;
  if (provider !== undefined && !(PROVIDERS as readonly string[]).includes(provider)) {
    throw new UsageError(`unknown provider "${provider}"${didYouMean(provider, PROVIDERS)}; providers: ${PROVIDERS.join(', ')}`);
  }
  const entries = entriesOf(provider as Provider | undefined);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  for (const e of entries) {
    process.stdout.write(`${e.id.padEnd(48)} ${e.code} ${(e.enhanced ?? '-').padEnd(8)} ${e.stage.padEnd(8)} ${e.text.length > 70 ? `${e.text.slice(0, 69)}…` : e.text}\n`);
    // where the wording comes from and how it was checked, best source first
    for (const source of e.sources) process.stdout.write(`${''.padEnd(49)}${describeSource(source)}\n`);
  }
  return 0;
}

/** Ranks catalog entries against a bounce line or text (the arguments, or stdin when none). */
async function explainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, limit: { type: 'string' } });
  const limit = Number((values.limit as string | undefined) ?? 5);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit is a whole number of at least 1');
  const text = positionals.length ? positionals.join(' ') : process.stdin.isTTY ? '' : await new Response(process.stdin as unknown as ReadableStream).text();
  if (!text.trim()) throw new UsageError('explain needs the bounce text or log line, as an argument or on stdin; see mockmx --help');
  const explanation = explain(text, { limit });
  process.stdout.write(values.json ? `${JSON.stringify(explanation, null, 2)}\n` : explanationText(explanation));
  return explanation.matches.length ? 0 : 1;
}

/** Prints a DKIM key for the sender under test and the DNS record to paste into a scenario. */
function dkimKeygen(args: string[]): number {
  const { values } = parse(args, { domain: { type: 'string' }, selector: { type: 'string' }, bits: { type: 'string' } });
  const domain = values.domain as string | undefined;
  if (!domain) throw new UsageError('dkim-keygen needs --domain (and optionally --selector, --bits); see mockmx --help');
  const selector = (values.selector as string | undefined) ?? 'mockmx';
  const bits = Number((values.bits as string | undefined) ?? 2048);
  if (![1024, 2048, 4096].includes(bits)) throw new UsageError('--bits is 1024, 2048 or 4096');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  process.stdout.write(
    `# Sign with this key (e.g. nodemailer: dkim: { domainName: '${domain}', keySelector: '${selector}', privateKey }):\n` +
      `${privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()}\n` +
      `# Paste into the scenario:\ndns:\n  ${selector}._domainkey.${domain}:\n    TXT: "${record}"\n`,
  );
  return 0;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    if (command === 'validate') process.exitCode = validate(rest);
    else if (command === 'dkim-keygen') process.exitCode = dkimKeygen(rest);
    else if (command === 'catalog') process.exitCode = catalog(rest);
    else if (command === 'explain') process.exitCode = await explainCommand(rest);
    else if (command === 'report') process.exitCode = await (await import('./cli-report.js')).reportCommand(rest, process.env, (text) => process.stdout.write(text));
    else await serve(argv);
  } catch (err) {
    if (err instanceof ScenarioError) {
      for (const p of err.problems) process.stderr.write(`${formatProblem(p)}\n`);
    } else if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`mockmx: ${err.message}\n`);
    } else if (err instanceof StateUnavailableError) {
      process.stderr.write(`mockmx: ${err.message}; start Redis or fix --redis (MOCKMX_REDIS_URL)\n`);
    } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`mockmx: ${(err as Error).message}; pick another port (0 picks a free one)\n`);
    } else {
      process.stderr.write(`mockmx: ${(err as Error).stack ?? String(err)}\n`);
    }
    // report's 1 means "a check fails": anything that kept it from judging is 2, so CI can tell them apart;
    // 69: EX_UNAVAILABLE (sysexits.h), a service the server needs (Redis) is not there
    process.exitCode = err instanceof UsageError || err instanceof ConfigError || command === 'report' ? 2 : err instanceof StateUnavailableError ? 69 : 1;
  }
}

// `mockmx catalog | head` closes the pipe early; that is not an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

await main(process.argv.slice(2));
