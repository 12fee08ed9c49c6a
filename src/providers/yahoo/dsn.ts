/** Yahoo's bounces come from qmail-send, in the words of the failure notice on Yahoo's error-codes page. */
import type { DsnWording } from '../types.js';

export const dsn: DsnWording = {
  failed: 'Failure Notice',
  delayed: 'Delayed Mail (still being retried)',
  from: 'MAILER-DAEMON@yahoo.com',
  body: ({ failed, recipients, reply, reportingMta }) =>
    `Hi. This is the qmail-send program at ${reportingMta}.\n${failed ? "I'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out." : "I'm having trouble delivering your message to the following addresses.\nThis is not a permanent error; I'll keep trying."}\n\n${recipients.map((r) => `<${r}>:\nRemote host said: ${reply}`).join('\n\n')}\n\n--- Below this line is a copy of the message.\n`,
};
