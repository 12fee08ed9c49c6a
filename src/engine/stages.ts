/** Every point in an SMTP session where a rule can answer. */
export const STAGES = [
  'connect',
  'helo',
  'starttls',
  'auth',
  'mail',
  'rcpt',
  'data',
  'message',
  'rset',
  'noop',
  'vrfy',
  'quit',
  'unknown',
] as const;

export type Stage = (typeof STAGES)[number];
