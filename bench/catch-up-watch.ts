/**
 * Watches a mirror copy a pre-filled topic from the outside: polls the remote topic's log end
 * offsets (ListOffsets on the target) until every partition reached the source's, and notes when
 * the first record landed. Nothing here trusts the mirror's own metrics or logs.
 */
import type { KafkaAdmin } from '../engine/testing.ts';
import { endOffsets } from './bench-clusters.ts';

/** Timeline of one catch-up, epoch ms, and what the target held at the end. */
export interface CatchUp {
  /** First poll that saw any record on the remote topic. */
  firstRecordAtMs: number;
  /** First poll that saw every remote partition at (or past) the source's end offset. */
  doneAtMs: number;
  /** Records on the target beyond the source's end offsets (duplicates; 0 for a clean copy). */
  excessRecords: number;
  polls: number;
}

const POLL_MS = 100;

/**
 * Resolves once `remoteTopic` holds `sourceEnds[p]` records in every partition p. Rejects when
 * `deadlineMs` (epoch) passes, no record arrived by `firstRecordDeadlineMs`, or `failed()` returns
 * a reason (the mirror exited).
 */
export async function watchCatchUp(o: {
  targetAdmin: KafkaAdmin;
  remoteTopic: string;
  sourceEnds: readonly number[];
  deadlineMs: number;
  /** Epoch ms by which the first record must have arrived (a mirror that never starts copying fails fast). */
  firstRecordDeadlineMs: number;
  failed: () => string | undefined;
}): Promise<CatchUp> {
  let firstRecordAtMs: number | undefined;
  let polls = 0;
  let last: number[] = [];
  const total = o.sourceEnds.reduce((a, b) => a + b, 0);
  for (;;) {
    const reason = o.failed();
    if (reason) throw new Error(`mirror failed before catching up: ${reason}`);
    if (firstRecordAtMs === undefined && Date.now() > o.firstRecordDeadlineMs) throw new Error(`no record reached ${o.remoteTopic} before the startup deadline`);
    if (Date.now() > o.deadlineMs) {
      throw new Error(`mirror did not catch up before the deadline: ${sum(last)} of ${total} records on ${o.remoteTopic} (${last.join(',')})`);
    }
    polls++;
    const exists = (await o.targetAdmin.describeTopics([o.remoteTopic])).get(o.remoteTopic)?.partitionCount === o.sourceEnds.length;
    if (exists) {
      const now = Date.now();
      last = await endOffsets(o.targetAdmin, o.remoteTopic, o.sourceEnds.length).catch(() => last);
      if (firstRecordAtMs === undefined && sum(last) > 0) firstRecordAtMs = now;
      if (last.length === o.sourceEnds.length && last.every((e, p) => e >= o.sourceEnds[p]!)) {
        return { firstRecordAtMs: firstRecordAtMs ?? now, doneAtMs: now, excessRecords: sum(last) - total, polls };
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
