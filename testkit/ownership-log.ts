/**
 * Which engine instance owned which partitions, read back from the engine's log lines (the group
 * membership's `partitions_assigned` / `partitions_revoked` / `partitions_lost` events of
 * engine/replicate/partition-handover.ts): for tests, scenarios and the failover measurement.
 */
import { lineTimeMs, type EngineLogLine } from './engine-log.ts';

/** `topic-partition` keys an engine run owns after replaying its handover events (lines of one process). */
export function ownedPartitions(lines: readonly EngineLogLine[]): Set<string> {
  const owned = new Set<string>();
  for (const l of lines) {
    const partitions = (l.partitions as string[] | undefined) ?? [];
    if (l.event === 'partitions_assigned') for (const p of partitions) owned.add(p);
    else if (l.event === 'partitions_revoked' || l.event === 'partitions_lost') for (const p of partitions) owned.delete(p);
  }
  return owned;
}

/** The first `partitions_assigned` line of these lines that includes `partition` (`topic-partition`) at or after `sinceMs`. */
export function assignedLine(lines: readonly EngineLogLine[], partition: string, sinceMs = 0): EngineLogLine | undefined {
  return lines.find((l) => l.event === 'partitions_assigned' && lineTimeMs(l) >= sinceMs && ((l.partitions as string[] | undefined) ?? []).includes(partition));
}
