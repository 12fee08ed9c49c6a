/** Microsoft 365 / Exchange Online Protection. */
import { shippedFile } from '../shipped.js';
import { defineProvider } from '../types.js';
import { dsn } from './dsn.js';
import { entries } from './entries.js';
import { style } from './style.js';

export const microsoft365 = defineProvider({
  name: 'microsoft365',
  title: 'Microsoft 365',
  entries,
  style,
  dsn,
  hints: ['protection.outlook.com', 'eop-', 'exchange online', 'resolver.adr'],
  scenarios: [shippedFile('microsoft365.yaml')],
});
