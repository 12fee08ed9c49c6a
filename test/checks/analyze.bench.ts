/**
 * Throughput on typical ~10 KB messages, next to the mailparser-based parse the module
 * replaces (src/smtp/message.ts). Run: npx vitest bench --run test/checks
 */
import { bench, describe } from 'vitest';
import { analyzeHeaders, analyzeMessage } from '../../src/checks/index.js';
import { simpleParser } from 'mailparser';
import { compose, input } from './helpers.js';

const messages: Record<string, Buffer> = {
  'multipart (text + HTML + PDF)': await compose({
    subject: 'Quarterly report — Q2 figures and next steps',
    cc: ['carol@example.net', 'dave@example.net'],
    headers: { 'X-Campaign': 'q2-report', 'List-Unsubscribe': '<mailto:unsubscribe@example.com>' },
    text: 'Hello Bob,\n\n' + 'Here are the numbers for the quarter. '.repeat(60),
    html: '<html><body><p>Hello Bob,</p><p>' + 'Here are the <b>numbers</b> for the quarter. '.repeat(40) + '</p></body></html>',
    attachments: [{ filename: 'report.pdf', content: Buffer.alloc(2_500, 0x25) }],
  }),
  'single text/plain part': await compose({
    subject: 'Status update',
    headers: { Received: 'from relay.example.net by mx.example.org; Tue, 14 May 2024 09:30:00 +0000' },
    text: 'Hello Bob,\n\n' + 'All systems are running normally this week. '.repeat(230),
  }),
};

for (const [kind, message] of Object.entries(messages)) {
  const analyzeInput = input(message);
  describe(`${kind}, ${(message.length / 1024).toFixed(1)} KB`, () => {
    bench('analyzeHeaders', () => {
      analyzeHeaders(analyzeInput);
    });
    bench('analyzeMessage', async () => {
      await analyzeMessage(analyzeInput);
    });
    bench('mailparser simpleParser alone, for comparison', async () => {
      await simpleParser(message);
    });
  });
}
