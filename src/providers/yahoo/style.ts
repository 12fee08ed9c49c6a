/** Yahoo writes one line; its `dd` texts already end with the answering server. */
import type { ProviderStyle } from '../types.js';

export const style: ProviderStyle = {
  lines: (lines) => [...lines],
};
