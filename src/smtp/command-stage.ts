/** Which rule stage a command line belongs to. */
import type { Stage } from '../engine/stages.js';

/**
 * The stage the connection decides itself for a command, or undefined where a smtp-server hook
 * takes it (MAIL, RCPT, AUTH) or smtp-server answers alone (HELP, DATA before a valid envelope).
 */
export function commandStage(verb: string, isSupported: (verb: string) => boolean, hasEnvelope: boolean): Stage | undefined {
  switch (verb) {
    case 'HELO':
    case 'EHLO':
    case 'LHLO':
      return 'helo';
    case 'STARTTLS':
      return isSupported(verb) ? 'starttls' : 'unknown';
    case 'RSET':
      return 'rset';
    case 'NOOP':
      return 'noop';
    case 'VRFY':
      return 'vrfy';
    case 'QUIT':
      return 'quit';
    case 'DATA':
      // before a valid envelope smtp-server answers 503 itself
      return hasEnvelope ? 'data' : undefined;
    case 'MAIL':
    case 'RCPT':
    case 'AUTH':
    case 'HELP':
      return undefined;
    default:
      return isSupported(verb) ? undefined : 'unknown';
  }
}

const HOOKED: Readonly<Record<string, Stage>> = { MAIL: 'mail', RCPT: 'rcpt', AUTH: 'auth' };

/** The stage a protocol event is decided at: the command's, or `connect` where no stage applies. */
export function eventStage(verb: string, isSupported: (verb: string) => boolean, hasEnvelope: boolean): Stage {
  return commandStage(verb, isSupported, hasEnvelope) ?? HOOKED[verb] ?? 'connect';
}
