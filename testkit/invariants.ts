/**
 * The invariants every scenario and test checks on what it read back (DESIGN.md invariants 1 and 2), as
 * reusable helpers in platformatic/kafka's `assertNoDuplicateIds` / `assertContiguousIds` style:
 * no duplicates, contiguous sequences, gaps only where reported, byte-for-byte copies.
 * Each check has a `…Problems` form returning human-readable problems (empty = holds; scenarios collect
 * them into their result) and an `assert…` form throwing one Error that lists them (tests).
 */
import { decodeCommitLogEvent, type CommitLogEvent } from '../producer-cli/commit-log-event.ts';
import type { ReadRecord } from './cluster-reader.ts';

/** A range of upstream offsets (or sequence numbers) `[from, to)`, e.g. a reported truncation gap `[expectedOffset, logStartOffset)`. */
export interface IdRange {
  from: number;
  to: number;
}

const MAX_LISTED = 10;

function list(ids: readonly number[]): string {
  return `${ids.slice(0, MAX_LISTED).join(', ')}${ids.length > MAX_LISTED ? ', …' : ''}`;
}

function assertNone(problems: readonly string[], what: string): void {
  if (problems.length > 0) throw new Error(`${what}: ${problems.join('; ')}`);
}

/** Ids that occur more than once, reported as `duplicated seq: 3, 7` (empty when none). */
export function duplicateProblems(ids: readonly number[]): string[] {
  const seen = new Set<number>();
  const dups = new Set<number>();
  for (const id of ids) (seen.has(id) ? dups : seen).add(id);
  return dups.size > 0 ? [`duplicated seq: ${list([...dups])}`] : [];
}

/** Ids of `[from, from+count)` that are absent, reported as `missing seq: … (n in all)` (empty when none). */
export function missingProblems(ids: readonly number[], from: number, count: number): string[] {
  const seen = new Set(ids);
  const missing: number[] = [];
  for (let id = from; id < from + count; id++) if (!seen.has(id)) missing.push(id);
  return missing.length > 0 ? [`missing seq: ${list(missing)} (${missing.length} in all)`] : [];
}

/** The first place where `ids` does not strictly increase (empty when it does). */
export function orderProblems(ids: readonly number[]): string[] {
  for (let i = 1; i < ids.length; i++) {
    if (ids[i]! <= ids[i - 1]!) return [`out of order at position ${i}: ${ids[i - 1]} then ${ids[i]}`];
  }
  return [];
}

/**
 * Checks that `seqs` is exactly `from, from+1, …, from+count−1` in that order: returns the count
 * mismatch, duplicated, missing and out-of-order sequence numbers (empty when contiguous).
 */
export function sequenceProblems(seqs: readonly number[], from: number, count: number): string[] {
  const problems: string[] = [];
  if (seqs.length !== count) problems.push(`expected ${count} records, found ${seqs.length}`);
  return [...problems, ...duplicateProblems(seqs), ...missingProblems(seqs, from, count), ...orderProblems(seqs)];
}

/**
 * Gaps only where reported (invariant 1): every id of `expected` that is absent from `ids` lies inside
 * one of the `reported` ranges, and no id inside a reported range is present (a reported gap is a real
 * gap). Returns the problems (empty when it holds). Ids may repeat or come in any order here.
 */
export function gapProblems(ids: readonly number[], expected: IdRange, reported: readonly IdRange[]): string[] {
  const present = new Set(ids);
  const inReported = (id: number) => reported.some((g) => id >= g.from && id < g.to);
  const unreported: number[] = [];
  for (let id = expected.from; id < expected.to; id++) if (!present.has(id) && !inReported(id)) unreported.push(id);
  const insideGap = [...present].filter(inReported).sort((a, b) => a - b);
  const problems: string[] = [];
  if (unreported.length > 0) problems.push(`missing but not reported: ${list(unreported)} (${unreported.length} in all)`);
  if (insideGap.length > 0) problems.push(`present inside a reported gap: ${list(insideGap)} (${insideGap.length} in all)`);
  return problems;
}

/** Throws when an id occurs more than once; `what` names the sequence in the message. */
export function assertNoDuplicates(ids: readonly number[], what = 'ids'): void {
  assertNone(duplicateProblems(ids), what);
}

/** Throws unless `ids` is exactly `from, …, from+count−1` in order ({@link sequenceProblems}). */
export function assertContiguous(ids: readonly number[], from: number, count: number, what = 'ids'): void {
  assertNone(sequenceProblems(ids, from, count), what);
}

/** Throws unless ids are absent only inside reported gaps, and present nowhere inside them ({@link gapProblems}). */
export function assertGapsOnlyWhereReported(ids: readonly number[], expected: IdRange, reported: readonly IdRange[], what = 'ids'): void {
  assertNone(gapProblems(ids, expected, reported), what);
}

/**
 * Compares a source record with its mirrored copy byte for byte (key, value, headers in order,
 * timestamp, partition). Returns the differences (empty = identical).
 */
export function recordDifferences(source: ReadRecord, remote: ReadRecord): string[] {
  const diffs: string[] = [];
  const eq = (a: Buffer | null, b: Buffer | null) => (a === null || b === null ? a === b : a.equals(b));
  if (source.partition !== remote.partition) diffs.push(`partition ${source.partition} != ${remote.partition}`);
  if (!eq(source.key, remote.key)) diffs.push('key differs');
  if (!eq(source.value, remote.value)) diffs.push('value differs');
  if (source.timestamp !== remote.timestamp) diffs.push(`timestamp ${source.timestamp} != ${remote.timestamp}`);
  const h = (r: ReadRecord) => JSON.stringify(r.headers.map(([k, v]) => [k, v?.toString('base64') ?? null]));
  if (h(source) !== h(remote)) diffs.push(`headers ${h(source)} != ${h(remote)}`);
  return diffs;
}

/** Decodes the commit-log events (producer-cli's format) of records; throws on a record that is not one. */
export function events(records: readonly ReadRecord[]): CommitLogEvent[] {
  return records.map((r) => decodeCommitLogEvent(r.value));
}
