/**
 * Where the shipped scenario files are: `<package>/scenarios`, beside `src/` in a checkout and
 * beside `dist/` when built, so both run the same files (and npm pack / the image ship them).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHIPPED_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []), 'scenarios');

/** The absolute path of a shipped scenario file. */
export const shippedFile = (file: string): string => join(SHIPPED_DIR, file);
