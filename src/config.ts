/**
 * Run-time configuration from flags and MOCKMX_* environment variables, validated once by
 * one zod schema and then frozen. A flag wins over its environment variable.
 */
import * as z from 'zod';

const Port = z.coerce
  .number({ error: 'expected a port number 0-65535' })
  .int('expected a whole port number')
  .min(0, 'expected a port number 0-65535')
  .max(65535, 'expected a port number 0-65535');

export const ConfigSchema = z
  .strictObject({
    scenario: z.string().min(1).default('default'),
    host: z.string().min(1).default('127.0.0.1'),
    smtpPort: Port.default(2525),
    smtpsPort: Port.optional(),
    httpPort: Port.default(8025),
    apiToken: z.string().min(1).optional(),
    seed: z.coerce.number({ error: 'expected an integer seed' }).int('expected an integer seed').optional(),
    maxMessages: z.coerce.number({ error: 'expected a positive integer' }).int().min(1, 'expected a positive integer').default(1000),
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
    store: z.string().min(1).optional(),
    bounceTo: z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:2526')
      .optional(),
    watch: z.enum(['true', 'false', '1', '0']).optional(),
    redis: z
      .string()
      .regex(/^rediss?:\/\/[^\s/]+(\/\d+)?\/?$/, 'expected a Redis URL such as redis://127.0.0.1:6379/0')
      .optional(),
  })
  .refine((c) => (c.tlsCert === undefined) === (c.tlsKey === undefined), {
    message: '--tls-cert and --tls-key go together',
    path: ['tlsCert'],
  });

export type Config = Readonly<z.infer<typeof ConfigSchema>>;

/** Each option: its flag, its environment variable, and help text. */
export const OPTIONS = {
  scenario: { flag: 'scenario', env: 'MOCKMX_SCENARIO', help: 'shipped scenario name or path to a YAML file (default: default)' },
  host: { flag: 'host', env: 'MOCKMX_HOST', help: 'address to listen on (default: 127.0.0.1)' },
  smtpPort: { flag: 'smtp-port', env: 'MOCKMX_SMTP_PORT', help: 'SMTP port; 0 picks a free one (default: 2525)' },
  smtpsPort: { flag: 'smtps-port', env: 'MOCKMX_SMTPS_PORT', help: 'implicit-TLS SMTP port (off unless given)' },
  httpPort: { flag: 'http-port', env: 'MOCKMX_HTTP_PORT', help: 'HTTP API port; 0 picks a free one (default: 8025)' },
  apiToken: { flag: 'api-token', env: 'MOCKMX_API_TOKEN', help: 'require "Authorization: Bearer <token>" on the HTTP API (all but /healthz)' },
  seed: { flag: 'seed', env: 'MOCKMX_SEED', help: 'seed for probability rules; same seed, same run (default: random, printed)' },
  maxMessages: { flag: 'max-messages', env: 'MOCKMX_MAX_MESSAGES', help: 'messages kept in memory, oldest evicted (default: 1000)' },
  tlsCert: { flag: 'tls-cert', env: 'MOCKMX_TLS_CERT', help: 'PEM certificate file (default: self-signed, made at start)' },
  tlsKey: { flag: 'tls-key', env: 'MOCKMX_TLS_KEY', help: 'PEM private key file for --tls-cert' },
  store: { flag: 'store', env: 'MOCKMX_STORE', help: 'keep messages in a Maildir (and transcripts as JSON lines) in this directory, reloaded at start (default: memory)' },
  bounceTo: { flag: 'bounce-to', env: 'MOCKMX_BOUNCE_TO', help: 'deliver bounces and auto-replies over SMTP to host:port (default: keep them only)' },
  redis: { flag: 'redis', env: 'MOCKMX_REDIS_URL', help: 'share rule state (counters, rate windows, greylist, flags, mailbox usage) with every instance using this Redis/Valkey, e.g. redis://127.0.0.1:6379/0' },
  watch: { flag: 'watch', env: 'MOCKMX_WATCH', help: 'reload the scenario file when it changes (a broken edit keeps the running one): --watch or MOCKMX_WATCH=true' },
} as const satisfies Record<keyof z.input<typeof ConfigSchema>, { flag: string; env: string; help: string }>;

export class ConfigError extends Error {}

/** Merges flags over environment and validates; errors name the flag and its variable. */
export function resolveConfig(flags: Record<string, string | undefined>, env: NodeJS.ProcessEnv): Config {
  const raw: Record<string, string> = {};
  for (const [key, spec] of Object.entries(OPTIONS)) {
    const value = flags[spec.flag] ?? env[spec.env];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '') as keyof typeof OPTIONS;
      const spec = OPTIONS[key];
      const got = raw[key];
      return spec
        ? `--${spec.flag} (${spec.env}): ${issue.message}${got !== undefined ? `, got "${got}"` : ''}`
        : issue.message;
    });
    throw new ConfigError(lines.join('\n'));
  }
  return Object.freeze(result.data);
}
