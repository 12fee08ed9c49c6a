/**
 * Exchange Online ends its last reply line with a bracket: newer replies name the front-end
 * server, the time and an id (`[BN8NAM12FT066.eop-nam12.prod.protection.outlook.com
 * 2023-05-22T11:57:51.362Z 08DB59E499E4A279]`, a captured 550 5.7.1); without a clock, the server alone.
 */
import { DIGITS, HEX, LOWER, pick, UPPER } from '../seeded.js';
import type { ProviderStyle } from '../types.js';

export const style: ProviderStyle = {
  /** `microsoftServer`, e.g. `BN8NAM12FT061.eop-nam12.prod.protection.outlook.com`; `microsoftId`, 16 upper-case hex digits. */
  session: (random) => ({
    microsoftServer: `${pick(random, UPPER, 2)}${pick(random, DIGITS, 1)}${pick(random, UPPER, 3)}${pick(random, DIGITS, 2)}FT${pick(random, DIGITS, 3)}.eop-${pick(random, LOWER, 3)}${pick(random, DIGITS, 2)}.prod.protection.outlook.com`,
    microsoftId: pick(random, HEX, 16).toUpperCase(),
  }),
  lines: (lines, ctx) => {
    const stamp = ctx['now'] ? ` ${ctx['now']} ${ctx['microsoftId'] ?? ''}` : '';
    return [...lines.slice(0, -1), `${lines.at(-1) ?? ''} [${ctx['microsoftServer'] ?? ''}${stamp}]`];
  },
};
