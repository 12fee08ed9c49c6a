/** Picks `n` characters of `alphabet` with a seeded random source (per-session style values). */
export function pick(random: () => number, alphabet: string, n: number): string {
  // a plain loop: this runs for every session, and Array.from + join cost more than the rest of it
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}

export const HEX = '0123456789abcdef';
export const DIGITS = '0123456789';
export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
