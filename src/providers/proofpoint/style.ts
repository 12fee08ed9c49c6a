/** Proofpoint writes one line, as the captures show it. */
import type { ProviderStyle } from '../types.js';

export const style: ProviderStyle = {
  lines: (lines) => [...lines],
};
