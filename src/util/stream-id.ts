/**
 * Redis stream ids (`<ms>-<seq>`): where an entry sits among everyone's entries. Kept apart from
 * the Redis client so the stores can order by them without loading ioredis.
 */

/** Orders two stream ids: negative, zero or positive as `a` comes before, with or after `b`. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? (as === bs ? 0 : as < bs ? -1 : 1) : am < bm ? -1 : 1;
}
