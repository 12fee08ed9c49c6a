/** GoDaddy writes one line ending in its IB code, which is already part of the catalog text. */
import type { ProviderStyle } from '../types.js';

export const style: ProviderStyle = {
  lines: (lines) => [...lines],
};
