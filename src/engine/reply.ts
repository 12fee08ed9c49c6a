/** A reply as mockmx writes it: one code, an optional enhanced code repeated on every line. */
export interface Reply {
  readonly code: number;
  /** Enhanced status code such as `5.7.26`, or null for none. */
  readonly enhanced: string | null;
  /** One entry per reply line; may hold `{placeholders}` filled in from the session when sent. */
  readonly lines: readonly string[];
  /** Close the connection after writing it. */
  readonly close: boolean;
  /** Lay the lines out the way this registered provider does (catalog entries set it); absent: verbatim. */
  readonly style?: string;
}

/** True for replies that let the command take effect (2xx and 3xx). */
export const isPositive = (reply: Pick<Reply, 'code'>): boolean => reply.code < 400;
