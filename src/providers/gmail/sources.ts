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
