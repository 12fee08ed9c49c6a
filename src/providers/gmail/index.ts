/** Gmail / Google Workspace: inbound MX (gmail) and submission on smtp.gmail.com:587 (gmail-submission). */
import { shippedFile } from '../shipped.js';
import { defineProvider } from '../types.js';
import { dsn } from './dsn.js';
import { entries } from './entries.js';
import { style } from './style.js';

export const gmail = defineProvider({
  name: 'gmail',
  title: 'Gmail',
  entries,
  style,
  dsn,
  hints: ['gsmtp', 'google.com', 'googlemail.com', 'support.google.com'],
  scenarios: [shippedFile('gmail.yaml'), shippedFile('gmail-submission.yaml')],
});
