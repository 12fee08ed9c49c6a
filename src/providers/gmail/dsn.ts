/** How Gmail's Mail Delivery Subsystem words its bounces. */
import type { DsnWording } from '../types.js';

export const dsn: DsnWording = {
  failed: 'Delivery Status Notification (Failure)',
  delayed: 'Delivery Status Notification (Delay)',
  from: 'Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
  body: ({ failed, recipients, reply, retryHours }) =>
    failed
      ? `** Message not delivered **\n\nThere was a problem delivering your message to ${recipients.join(', ')}. See the technical details below.\n\nThe response was:\n\n${reply}\n`
      : `** Message not delivered yet **\n\nThere was a temporary problem delivering your message to ${recipients.join(', ')}. Gmail will retry for ${retryHours} more hours. You'll be notified if the delivery fails permanently.\n\nThe response was:\n\n${reply}\n`,
};
