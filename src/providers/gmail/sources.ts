/**
 * Where Gmail's wording comes from. Google's English "Gmail SMTP errors and codes" page could be
 * read only in part (an older revision, without the help-link sentences the current rows end
 * in), so most rows are the Swedish seed of that page translated back; replies seen in public
 * captures cite those and quote their lines.
 */
import { seedTranslation } from '../sources.js';

/** When the sources below were read. */
export const READ = '2026-12-04';
/** Google's "Gmail SMTP errors and codes" (English), as the search returned it. */
export const GOOGLE_PAGE = 'https://support.google.com/a/answer/3726730?sjid=11308199871547151520-AP';
/** A row of the page known only from the Swedish seed (/work/shared/seeds/000_…), translated back. */
export const SEED = seedTranslation(GOOGLE_PAGE, READ, 'Translated back from the Swedish seed of this page; the English revision read does not show this row word for word.');

/** Public captures of Gmail's replies, by what they show. */
export const CAPTURES = {
  /** A 2024-12 smtplib debug log against gmail-smtp-in: EHLO, MAIL, RCPT, DATA replies and a 550 5.7.1 with its [ip] prefix. */
  smuggling: 'https://github.com/The-Login/SMTP-Smuggling-Tools/issues/11',
  /** A 2025-01 Postfix log: 550 5.7.26's multi-line layout (blank lines, indented results). */
  unauthenticated: 'https://github.com/jtojnar/nixfiles/issues/13',
  /** A 2025-03 Postfix log: 421 4.7.29's current wording and layout. */
  tls: 'https://github.com/Xpra-org/xpra/issues/3555',
  /** A 2024-05 nodemailer error from smtp.gmail.com: 535 5.7.8's current wording and breaks, an `sm` id. */
  badCredentials: 'https://github.com/dawidd6/action-send-mail/issues/205',
  /** A 2020-05 Postfix log: 421 4.7.28 with the [ip] prefix. */
  unusualRate: 'https://github.com/mail-in-a-box/mailinabox/issues/1771',
  /** A 2020-09 transcript against gmail-smtp-in: greeting, EHLO capabilities in order. */
  espoofer: 'https://github.com/chenjj/espoofer/issues/3',
  /** A 2024-08 RCPT reply: 250 2.1.5 OK with a current session id. */
  rcptOk: 'https://github.com/customeros/mailsherpa/issues/7',
  /** smtp.gmail.com:465 via Net::SMTP: greeting and submission EHLO order. */
  submissionEhlo: 'https://pastebin.com/WcCWz1Fc',
  /** A 2024-07-25 smtplib debug log against Gmail's MX (unix time 1721903059): 354 with two spaces, 250 2.0.0 OK  <unix time> <id>, 221 closing connection. */
  mxSession: 'https://github.com/cucker0/dkim/blob/7a9c2c21b09f9d983053bca9e8bf4fe9fe51acb1/add_dkim_signature/README.md',
  /** A 2024-05-21 session with smtp.gmail.com (unix time 1716281641) kept in a code comment: 235 2.7.0 Accepted, 354  Go ahead, 250 2.0.0 OK  <unix time> <id>, 221. */
  submissionSession: 'https://github.com/EthanL285/TabPro/blob/3e50423e490479300f9f9e3289ded8a142312aea/src/controller/user/authmanager.cpp',
  /** A 2022-04-02 nc/smtplib session with aspmx.l.google.com: VRFY's 252, EXPN's 502, QUIT. */
  vrfy: 'https://github.com/rl1987/trickster.dev/blob/master/tricksterblog/content/post/smtp-enumeration-for-fun-and-profit.md',
  /** An openssl s_client session with gmail-smtp-in.l.google.com (2021): HELP's 214 line. */
  help: 'https://github.com/KasparEtter/ef1p/blob/12ed685d4fd3e8b312b46bcd7b84ed1179095883/pages/email/email.tsx',
  /** smtp.gmail.com replies recorded 2016-10 (unix time 1477744237) as a test's fixture: STARTTLS's 220, RSET's Flushed, AUTH's 235, 501 5.5.2. */
  pilight: 'https://github.com/pilight/pilight/blob/3ca3b455f9ca772fb6ab07ee06d3b04fcd030bb1/tests/mail.c',
} as const;

/**
 * A seed row whose wording issue 15's audit of the English page found different; corrected as
 * the audit quotes the English, so still only as good as a translation: `what` says what changed.
 */
export const AUDITED = (what: string) =>
  seedTranslation(GOOGLE_PAGE, READ, `Translated back from the Swedish seed of this page and corrected where the audit of the English page (issue 15) found it differs: ${what}. Not matched word for word here.`);

/**
 * The DKIM rows under the codes Gmail uses today (4.7.30 / 5.7.30, per the audit of the English
 * page and captures in issue 15); the wording is the seed's 4.7.28 / 5.7.28 row translated back.
 */
export const DKIM_TODAY = seedTranslation(
  GOOGLE_PAGE,
  READ,
  "Wording translated back from the seed's 4.7.28 / 5.7.28 rows; the code (4.7.30 / 5.7.30) is the one issue 15's audit read on the current English page and in captures (no such page revision or capture was found by search here, so the code is the audit's word).",
);
