/** Paged lists: `?limit=&offset=`, or `?page=` (1-based, `limit` per page); the answer carries the total. */

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

export interface PageQuery {
  limit?: number;
  offset?: number;
  page?: number;
}

/** The query-string schema of the paging parameters, shared by every paged route. */
export const pagingSchema = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, description: `items per page (default ${DEFAULT_LIMIT})` },
  offset: { type: 'integer', minimum: 0, description: 'items to skip (default 0)' },
  page: { type: 'integer', minimum: 1, description: '1-based page number; overrides offset' },
} as const;

export interface Page<T> {
  total: number;
  offset: number;
  limit: number;
  items: T[];
}

export function pageOf<T>(all: readonly T[], q: PageQuery): { total: number; offset: number; limit: number; slice: T[] } {
  const limit = q.limit ?? DEFAULT_LIMIT;
  const offset = q.page !== undefined ? (q.page - 1) * limit : (q.offset ?? 0);
  return { total: all.length, offset, limit, slice: all.slice(offset, offset + limit) };
}
