/** Outlook.com: Microsoft's consumer mail (hotmail.com, live.com, outlook.com, msn.com). */
import { shippedFile } from '../shipped.js';
import { defineProvider } from '../types.js';
import { entries } from './entries.js';
import { style } from './style.js';

export const outlook = defineProvider({
  name: 'outlook',
  title: 'Outlook.com',
  entries,
  style,
  scenarios: [shippedFile('outlook.yaml')],
  // not 'outlook.com' alone: Exchange Online (microsoft365) answers from *.outlook.com hosts too
  hints: ['olc.protection.outlook.com', 'hotmail.', 'live.com', '@outlook.com', 'msn.com'],
});
