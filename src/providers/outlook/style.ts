/** Outlook.com ends a refusal with the front-end server that answered, in brackets, as Exchange Online does. */
import { DIGITS, LOWER, pick, UPPER } from '../seeded.js';
import type { ProviderStyle } from '../types.js';

export const style: ProviderStyle = {
  /** `outlookServer`, e.g. `DB3EUR04FT007.eop-eur04.prod.protection.outlook.com` (the captures' shape). */
  session: (random) => {
    const region = `${pick(random, LOWER, 3)}${pick(random, DIGITS, 2)}`;
    return { outlookServer: `${pick(random, UPPER, 2)}${pick(random, DIGITS, 1)}${region.slice(0, 3).toUpperCase()}${region.slice(3)}FT${pick(random, DIGITS, 3)}.eop-${region}.prod.protection.outlook.com` };
  },
  lines: (lines, ctx) => [...lines.slice(0, -1), `${lines.at(-1) ?? ''} [${ctx['outlookServer'] ?? ''}]`],
};
