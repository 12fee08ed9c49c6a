/** GoDaddy Workspace Email (secureserver.net) inbound servers, with their IB codes. */
import { shippedFile } from '../shipped.js';
import { defineProvider } from '../types.js';
import { dsn } from './dsn.js';
import { entries } from './entries.js';
import { style } from './style.js';

export const godaddy = defineProvider({
  name: 'godaddy',
  title: 'GoDaddy',
  entries,
  style,
  dsn,
  hints: ['secureserver.net', 'ibsmtp', 'godaddy'],
  scenarios: [shippedFile('godaddy.yaml')],
});
