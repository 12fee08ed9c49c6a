/** Apple iCloud Mail (icloud.com, me.com, mac.com). */
import { shippedFile } from '../shipped.js';
import { defineProvider } from '../types.js';
import { entries } from './entries.js';
import { style } from './style.js';

export const icloud = defineProvider({
  name: 'icloud',
  title: 'Apple iCloud Mail',
  entries,
  style,
  scenarios: [shippedFile('icloud.yaml')],
  hints: ['mail.icloud.com', 'icloud.com', 'me.com', 'mac.com', 'support.apple.com'],
});
