/** Microsoft 365 ends its last reply line with the front-end server that answered, in brackets. */
import { DIGITS, LOWER, pick, UPPER } from '../seeded.js';
import type { ProviderStyle } from '../types.js';

export const style: ProviderStyle = {
  /** `microsoftServer`, e.g. `BN8NAM12FT061.eop-nam12.prod.protection.outlook.com`. */
  session: (random) => ({
    microsoftServer: `${pick(random, UPPER, 2)}${pick(random, DIGITS, 1)}${pick(random, UPPER, 3)}${pick(random, DIGITS, 2)}FT${pick(random, DIGITS, 3)}.eop-${pick(random, LOWER, 3)}${pick(random, DIGITS, 2)}.prod.protection.outlook.com`,
  }),
  lines: (lines, ctx) => [...lines.slice(0, -1), `${lines.at(-1) ?? ''} [${ctx['microsoftServer'] ?? ''}]`],
};
