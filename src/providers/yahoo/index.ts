/** Yahoo Mail and AOL Mail (one inbound platform: *.yahoodns.net). */
import { shippedFile } from '../shipped.js';
import { defineProvider } from '../types.js';
import { dsn } from './dsn.js';
import { entries } from './entries.js';
import { style } from './style.js';

export const yahoo = defineProvider({
  name: 'yahoo',
  title: 'Yahoo / AOL',
  entries,
  style,
  dsn,
  scenarios: [shippedFile('yahoo.yaml')],
  hints: ['yahoodns.net', 'yahoo.com', 'aol.com', 'yahooinc.com', 'delivery error: dd'],
});
