/** Proofpoint email security in front of a company's mail (*.pphosted.com). */
import { shippedFile } from '../shipped.js';
import { defineProvider } from '../types.js';
import { entries } from './entries.js';
import { style } from './style.js';

export const proofpoint = defineProvider({
  name: 'proofpoint',
  title: 'Proofpoint',
  entries,
  style,
  scenarios: [shippedFile('proofpoint.yaml')],
  hints: ['pphosted.com', 'ppe-hosted.com', 'proofpoint'],
});
