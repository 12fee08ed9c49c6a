/** What HELP says: how to drive mockmx by hand (magic recipients included). */
export const HELP_LINES: readonly string[] = Object.freeze([
  'mockmx: a mock SMTP server that answers the way real providers do.',
  'Commands: HELO EHLO STARTTLS AUTH MAIL RCPT DATA RSET NOOP VRFY HELP QUIT',
  'Magic recipients: RCPT TO:<ID@any.domain> where ID is a catalog id',
  '(e.g. gmail.user-unknown) replays that provider reply; run "mockmx catalog".',
  'See https://www.rfc-editor.org/rfc/rfc5321 for the protocol.',
]);
