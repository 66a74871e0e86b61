/**
 * Per-partition delivery audit of a mirrored topic: compares what a source partition holds with what its
 * remote partition holds, record by record, and counts what a replication guarantee is about — lost,
 * duplicated, out of order — plus the shape of the duplicates (re-copy runs after a restart), which is
 * what at-least-once bounds (DESIGN.md invariant 4). Pure: the caller reads both topics
 * (testkit/cluster-reader.ts, kafkajs, `read_committed`) and passes each partition's record identities
 * (the values of Kafka's VerifiableProducer, which are unique increasing integers, or any other unique id).
 *
 * Definitions, per partition (ids are compared, never offsets, so nothing depends on the engine's own
 * offset bookkeeping):
 * - lost: source ids absent from the remote partition;
 * - duplicated: remote records whose id appeared earlier in the remote partition;
 * - out of order: first copies that come after the first copy of a LATER source record (a hole filled later);
 * - foreign: remote records whose id is not in the source partition (another partition's record, or a
 *   record of an earlier run);
 * - re-copy run: a maximal stretch of consecutive duplicates (what one engine restart re-mirrors);
 *   `maxRecopy` is the longest, `recopyRuns` how many there were.
 */

/** What one partition's audit found. Counts are records. */
export interface PartitionAudit {
  partition: number;
  sourceRecords: number;
  remoteRecords: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  foreign: number;
  /** Maximal runs of consecutive duplicates (≈ one per restart that re-mirrored something). */
  recopyRuns: number;
  /** Longest run of consecutive duplicates. */
  maxRecopy: number;
  /** Up to 10 lost ids, for the report. */
  lostSample: string[];
}

/** The audit of a whole topic: one entry per partition (partition order) and their sums (`maxRecopy`: the maximum). */
export interface TopicAudit {
  partitions: PartitionAudit[];
  total: Omit<PartitionAudit, 'partition' | 'lostSample'>;
}

const SAMPLE = 10;

/**
 * Audits one partition. `source`: ids in source offset order (unique; a repeated source id is counted
 * once); `remote`: ids in remote offset order. Null ids (records without a value) are ignored on both sides.
 */
export function auditPartition(partition: number, source: readonly (string | null)[], remote: readonly (string | null)[]): PartitionAudit {
  const position = new Map<string, number>();
  for (const id of source) if (id !== null && !position.has(id)) position.set(id, position.size);
  const seen = new Set<string>();
  let duplicated = 0;
  let outOfOrder = 0;
  let foreign = 0;
  let maxFirst = -1;
  let run = 0;
  let recopyRuns = 0;
  let maxRecopy = 0;
  for (const id of remote) {
    if (id === null) continue;
    const at = position.get(id);
    if (at === undefined) {
      foreign++;
      continue;
    }
    if (seen.has(id)) {
      duplicated++;
      if (run++ === 0) recopyRuns++;
      if (run > maxRecopy) maxRecopy = run;
      continue;
    }
    run = 0;
    seen.add(id);
    if (at < maxFirst) outOfOrder++;
    else maxFirst = at;
  }
  const lostSample: string[] = [];
  let lost = 0;
  for (const id of position.keys()) {
    if (seen.has(id)) continue;
    lost++;
    if (lostSample.length < SAMPLE) lostSample.push(id);
  }
  return { partition, sourceRecords: position.size, remoteRecords: remote.filter((id) => id !== null).length, lost, duplicated, outOfOrder, foreign, recopyRuns, maxRecopy, lostSample };
}

/** Audits every partition present on either side (`source` / `remote`: ids per partition, offset order) and sums them. */
export function auditTopic(source: ReadonlyMap<number, readonly (string | null)[]>, remote: ReadonlyMap<number, readonly (string | null)[]>): TopicAudit {
  const ids = [...new Set([...source.keys(), ...remote.keys()])].sort((a, b) => a - b);
  const partitions = ids.map((p) => auditPartition(p, source.get(p) ?? [], remote.get(p) ?? []));
  const total = { sourceRecords: 0, remoteRecords: 0, lost: 0, duplicated: 0, outOfOrder: 0, foreign: 0, recopyRuns: 0, maxRecopy: 0 };
  for (const a of partitions) {
    total.sourceRecords += a.sourceRecords;
    total.remoteRecords += a.remoteRecords;
    total.lost += a.lost;
    total.duplicated += a.duplicated;
    total.outOfOrder += a.outOfOrder;
    total.foreign += a.foreign;
    total.recopyRuns += a.recopyRuns;
    total.maxRecopy = Math.max(total.maxRecopy, a.maxRecopy);
  }
  return { partitions, total };
}

/** Problems of an audit for a pass/fail verdict: lost, out of order or foreign records, and duplicates when `exactlyOnce` (empty = holds). */
export function auditProblems(audit: TopicAudit, options: { exactlyOnce: boolean; maxRecopy?: number }): string[] {
  const problems: string[] = [];
  for (const a of audit.partitions) {
    const where = `partition ${a.partition}`;
    if (a.lost > 0) problems.push(`${where}: ${a.lost} of ${a.sourceRecords} source records lost (e.g. ${a.lostSample.join(', ')})`);
    if (a.outOfOrder > 0) problems.push(`${where}: ${a.outOfOrder} records out of order`);
    if (a.foreign > 0) problems.push(`${where}: ${a.foreign} records that its source partition does not hold`);
    if (options.exactlyOnce && a.duplicated > 0) problems.push(`${where}: ${a.duplicated} duplicates under exactly-once`);
    if (options.maxRecopy !== undefined && a.maxRecopy > options.maxRecopy) problems.push(`${where}: a restart re-copied ${a.maxRecopy} records (bound ${options.maxRecopy})`);
  }
  return problems;
}
