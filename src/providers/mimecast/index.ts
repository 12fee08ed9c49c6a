/** Mimecast's email security gateway in front of a company's mail (*.mimecast.com). */
import { shippedFile } from '../shipped.js';
import { defineProvider } from '../types.js';
import { entries } from './entries.js';
import { style } from './style.js';

export const mimecast = defineProvider({
  name: 'mimecast',
  title: 'Mimecast',
  entries,
  style,
  scenarios: [shippedFile('mimecast.yaml')],
  hints: ['mimecast.com', 'mimecast.org', 'community.mimecast.com'],
});
