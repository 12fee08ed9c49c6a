/**
 * EHLO capability lines in the order a provider lists them (the scenario's
 * `server.capabilities`): smtp-server offers them in its own order. A listed keyword that is not
 * offered is skipped (a capability is switched on elsewhere, not here); offered ones the list
 * does not name keep their order, after the listed ones.
 */
const keyword = (line: string) => line.split(' ', 1)[0]!.toUpperCase();

export function orderCapabilities(lines: readonly string[], order: readonly string[]): string[] {
  if (!order.length) return [...lines];
  const rank = new Map(order.map((k, i) => [k, i]));
  const listed = lines.filter((l) => rank.has(keyword(l))).sort((a, b) => rank.get(keyword(a))! - rank.get(keyword(b))!);
  return [...listed, ...lines.filter((l) => !rank.has(keyword(l)))];
}
