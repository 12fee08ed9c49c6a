/**
 * `mockmx report`: the sender report card of a running mockmx (over its HTTP API) or of a
 * `--store` directory (replayed offline), as text, JSON or JUnit XML. Exit 0 when no check
 * fails, 1 when one does, 2 when the card could not be had (bad flags, server unreachable,
 * no store there) — so CI can tell "the mailer is wrong" from "the check did not run".
 */
import { stat } from 'node:fs/promises';
import { UsageError, parse } from './cli-args.js';
import { ConfigSchema } from './config.js';
import { parseReportFilter, ReportFilterError, ReportOptionsError, toJUnit, toText, type Report, type ReportFilter } from './report/index.js';
import { fetchReport, RemoteReportError } from './report-remote.js';
import { formatProblem, ScenarioError } from './scenario/errors.js';
import { loadScenario } from './scenario/load.js';
import { replayReport } from './server/report-replay.js';
import { readTranscriptLog } from './store/transcript-log.js';
import { didYouMean } from './util/suggest.js';

export const REPORT_USAGE = `  mockmx report [--url URL] [--token T] [filters] [--format text|json|junit]
  mockmx report --store DIR [--scenario FILE|NAME] [filters] [--format F]
                                    the sender report card of a running mockmx (--url, default
                                    ${defaultUrl()}; --token or MOCKMX_API_TOKEN) or of a
                                    --store directory (thresholds: the --scenario's report:);
                                    filters --sender ADDR --ip IP --from T --to T (ISO 8601 or
                                    ms since the epoch); exit 0 no check fails, 1 one fails,
                                    2 no card (bad flags, server unreachable, no store)
`;

const FORMATS = ['text', 'json', 'junit'] as const;
type Format = (typeof FORMATS)[number];

/** The HTTP API the server listens on by default (config.ts's defaults). */
function defaultUrl(): string {
  const { host, httpPort } = ConfigSchema.parse({});
  return `http://${host}:${httpPort}`;
}

/** A card that could not be had: printed as one line, exit 2. */
class NoCard extends UsageError {}

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  store: { type: 'string' },
  scenario: { type: 'string' },
  sender: { type: 'string' },
  ip: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean' },
} as const;

const text = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** The card of a `--store` directory, as of the last thing recorded there. */
async function fromStore(dir: string, scenario: string | undefined, filter: ReportFilter, warn: (line: string) => void): Promise<Report> {
  const found = await stat(dir).catch(() => undefined);
  if (!found?.isDirectory()) throw new NoCard(`--store ${dir}: no such directory; give the directory mockmx ran with --store`);
  const log = await readTranscriptLog(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new NoCard(`--store ${dir} has no sessions.jsonl: is it a directory mockmx ran with --store? (a session is written there when it ends)`);
    throw new NoCard(`--store ${dir}: cannot read sessions.jsonl (${err.message})`);
  });
  if (log.damaged) warn(`mockmx report: some lines of ${dir}/sessions.jsonl are not sessions (cut short, or from a newer mockmx); graded without them`);
  let settings = {};
  if (scenario !== undefined) {
    try {
      settings = loadScenario(scenario).report;
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      throw new NoCard(`--scenario ${scenario}: ${err.problems.map(formatProblem).join('; ')}`);
    }
  }
  try {
    return replayReport(log.records, settings).report(filter);
  } catch (err) {
    if (err instanceof ReportOptionsError) throw new NoCard(`--scenario ${scenario ?? ''}: ${err.message}`);
    throw err;
  }
}

/** Runs `mockmx report ARGS`; writes the card with `out` (warnings to stderr) and returns the exit code. */
export async function reportCommand(args: string[], env: NodeJS.ProcessEnv, out: (text: string) => void): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help) {
    out(`Usage:\n${REPORT_USAGE}`);
    return 0;
  }
  if (positionals.length) throw new UsageError(`report takes no argument ("${positionals[0]}"); filters are flags: --sender, --ip, --from, --to; see mockmx --help`);
  const format = (text(values.format) ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format "${format}" is not one of ${FORMATS.join(', ')}${didYouMean(format, FORMATS)}`);
  const store = text(values.store);
  if (store !== undefined && values.url !== undefined) throw new UsageError('give --url (a running mockmx) or --store (a store directory), not both');
  if (store === undefined && values.scenario !== undefined) throw new UsageError('--scenario goes with --store: a running mockmx grades by its own scenario\'s report: thresholds');
  if (store !== undefined && values.token !== undefined) throw new UsageError('--token is for --url: a store directory is read directly');

  let filter: ReportFilter;
  try {
    filter = parseReportFilter({ sender: text(values.sender), ip: text(values.ip), from: text(values.from), to: text(values.to) });
  } catch (err) {
    if (err instanceof ReportFilterError) throw new UsageError(`--${err.message}; expected ${err.expected}`);
    throw err;
  }

  let report: Report;
  if (store !== undefined) report = await fromStore(store, text(values.scenario), filter, (line) => process.stderr.write(`${line}\n`));
  else {
    try {
      report = await fetchReport({ url: text(values.url) ?? defaultUrl(), token: text(values.token) ?? (env.MOCKMX_API_TOKEN || undefined) }, filter);
    } catch (err) {
      if (err instanceof RemoteReportError) throw new NoCard(err.message);
      throw err;
    }
  }

  if (format === 'json') out(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === 'junit') out(toJUnit(report));
  else out(toText(report));
  return report.summary.fail > 0 ? 1 : 0;
}
