/**
 * The server's own positive answers, by what they answer. A scenario's `success:` table words
 * them the way its provider does (Gmail's `250 2.1.0 OK <id> - gsmtp`); without it, smtp-server's
 * wording stands. Refusals are protocol events (events.ts), not these.
 */
export const SUCCESS_REPLIES = {
  mail: 'MAIL accepted (250)',
  rcpt: 'RCPT accepted (250)',
  data: 'DATA: send the message (354)',
  message: 'the message accepted after the final dot (250); may quote {id}, the stored id',
  rset: 'RSET (250)',
  noop: 'NOOP (250)',
  vrfy: 'VRFY (250/252)',
  quit: 'QUIT (221; the connection closes after it)',
  starttls: 'STARTTLS: start the handshake (220)',
  auth: 'AUTH succeeded (235)',
  help: 'HELP (214)',
} as const;

export type SuccessName = keyof typeof SUCCESS_REPLIES;
export const SUCCESS_NAMES = Object.keys(SUCCESS_REPLIES) as SuccessName[];

/** Which answer a positive reply to `verb` is (the final dot's is `message`, decided where it is written). */
export const SUCCESS_OF_VERB: Readonly<Record<string, SuccessName>> = Object.freeze({
  MAIL: 'mail',
  RCPT: 'rcpt',
  DATA: 'data',
  RSET: 'rset',
  NOOP: 'noop',
  VRFY: 'vrfy',
  QUIT: 'quit',
  STARTTLS: 'starttls',
  AUTH: 'auth',
  HELP: 'help',
});

/** The codes smtp-server answers each with when it succeeds (AUTH's 334 prompts are not answers). */
export const SUCCESS_CODES: Readonly<Record<SuccessName, readonly number[]>> = Object.freeze({
  mail: [250],
  rcpt: [250],
  data: [354],
  message: [250],
  rset: [250],
  noop: [250],
  vrfy: [250, 251, 252],
  quit: [221],
  starttls: [220],
  auth: [235],
  help: [214],
});

/** The reply code class each answer must keep: clients read a 354 as "go on", a 2xx as "done". */
export const successClass = (name: SuccessName): number => (name === 'data' ? 3 : 2);
