/** The argument of a BDAT command (RFC 3030 §3): `BDAT <chunk-size> [LAST]`. */

export interface BdatArgs {
  /** Octets of message data that follow the command line. */
  readonly size: number;
  /** The chunk ends the message. */
  readonly last: boolean;
}

/** RFC 3030's chunk-size is 1*DIGIT; more than 15 digits cannot be a real message. */
const BDAT_ARG = /^(\d{1,15})(?:[ \t]+(LAST))?[ \t]*$/i;

/** The chunk's size and whether it is the last, or undefined when the argument does not parse. */
export function parseBdat(arg: string): BdatArgs | undefined {
  const m = BDAT_ARG.exec(arg.trim());
  if (!m) return undefined;
  const size = Number(m[1]);
  return Number.isSafeInteger(size) ? { size, last: m[2] !== undefined } : undefined;
}
