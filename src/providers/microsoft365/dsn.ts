/** Exchange Online's non-delivery reports, as Microsoft Outlook sends them. */
import type { DsnWording } from '../types.js';

export const dsn: DsnWording = {
  failed: 'Undeliverable: {subject}',
  delayed: 'Delivery delayed: {subject}',
  from: 'Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@outlook.com>',
  body: ({ failed, recipients, reply, reportingMta }) =>
    `${failed ? "Your message to " + recipients.join(', ') + " couldn't be delivered." : 'Delivery is delayed to these recipients or groups:\n\n' + recipients.join('\n')}\n\nDiagnostic information for administrators:\n\nGenerating server: ${reportingMta}\n\n${recipients.map((r) => `${r}\nRemote Server returned '${reply}'`).join('\n')}\n`,
};
