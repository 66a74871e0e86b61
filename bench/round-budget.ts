/** The benchmark's time budget (`--max-minutes`): a busy machine gets fewer rounds, reported, rather than an endless run. */

/**
 * Whether another round fits the time budget `budgetMs` (0: no budget) after `elapsedMs`: the first round
 * always runs; a later one when the slowest round so far, plus a minute for stopping the clusters, still ends inside it.
 */
export function roundFits(budgetMs: number, elapsedMs: number, roundMs: readonly number[]): boolean {
  if (budgetMs <= 0 || roundMs.length === 0) return true;
  return elapsedMs + Math.max(...roundMs) + 60_000 <= budgetMs;
}
