/** Mimecast ends a reply with a reference in brackets: 22 URL-safe base64 characters, a dot, its region and a number. */
import { DIGITS, LOWER, pick, UPPER } from '../seeded.js';
import type { ProviderStyle } from '../types.js';

const BASE64URL = `${UPPER}${LOWER}${DIGITS}-_`;
const REGIONS = ['us', 'eu', 'uk', 'za', 'au'] as const;

export const style: ProviderStyle = {
  /** `mimecastRef`, e.g. `aUT_rCR5NlOVu3zyNjaM8g.us516` (the captures' shape). */
  session: (random) => ({
    mimecastRef: `${pick(random, BASE64URL, 22)}.${REGIONS[Math.floor(random() * REGIONS.length)]}${pick(random, DIGITS, 2)}`,
  }),
  lines: (lines, ctx) => [...lines.slice(0, -1), `${lines.at(-1) ?? ''} [${ctx['mimecastRef'] ?? ''}]`],
};
