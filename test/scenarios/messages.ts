/** What the provider tables send: hand-built RFC 5322 messages and the industry test strings. */

export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/** An AUTH PLAIN initial response. */
export const PLAIN = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');

/**
 * A builder of hand-built messages (CRLF), for the defects nodemailer would never compose:
 * `message(extra, without, body)` is `baseHeaders` minus the fields named in `without`, plus
 * `extra`, then `body` (`defaultBody` when not given).
 */
export function messageBuilder(baseHeaders: readonly string[], defaultBody: string) {
  return (extra: readonly string[] = [], without: readonly string[] = [], body = defaultBody): string => {
    const drop = new Set(without.map((n) => n.toLowerCase()));
    const headers = [...baseHeaders.filter((h) => !drop.has(h.slice(0, h.indexOf(':')).toLowerCase())), ...extra];
    return `${headers.join('\r\n')}\r\n\r\n${body}`;
  };
}

/** Folds a long value at its spaces onto continuation lines (the value's bytes, unfolded, stay the same). */
export const fold = (value: string) => value.replace(/ /g, '\r\n ');

/** `n` Received fields, one hop each: a mail loop once n passes the scenario's limit. */
export const receivedHops = (n: number) =>
  Array.from({ length: n }, (_, i) => `Received: from relay${i}.example.net by relay${i + 1}.example.net; Tue, 14 May 2024 09:${String(i).padStart(2, '0')}:00 +0000`);
