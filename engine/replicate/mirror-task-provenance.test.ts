import { afterEach, describe, expect, it } from 'vitest';
import { createReplicationPolicy } from '../mm2/replication-policy.ts';
import type { RecordHeader } from '../kafka/source-consumer.ts';
import { waitFor } from '../../testkit/wait-for.ts';
import type { MirrorListener, MirroredPartition } from './mirror-task.ts';
import { capturingLogger, type CapturedLine } from './fakes/fake-kafka.ts';
import { mirrorTaskHarness, valuesOf, type MirrorTaskHarness } from './fakes/mirror-task-harness.ts';
import { PROVENANCE_HEADER, Provenance } from './provenance.ts';

/**
 * Loop-safe active-active (issue 14) with the fakes of the client ports: flow primary->standby under
 * IdentityReplicationPolicy, where the source topic `orders` holds its own records and copies of the
 * standby's records (mirrored by standby->primary, carrying the standby's cluster ID as origin).
 */
describe('MirrorTask with the provenance header (fakes, no broker)', () => {
  const PRIMARY_ID = 'primary-cluster-id-000';
  const STANDBY_ID = 'standby-cluster-id-000';
  const THIRD_ID = 'third-cluster-id-00000';
  const fromStandby: RecordHeader[] = [{ h: 'v' }, { [PROVENANCE_HEADER]: Buffer.from(STANDBY_ID) }];
  const fromThird: RecordHeader[] = [{ [PROVENANCE_HEADER]: Buffer.from(THIRD_ID) }, { h: 'v' }];
  let h: MirrorTaskHarness | undefined;
  afterEach(async () => {
    await h?.task.stop();
    h = undefined;
  });

  function harness(listener?: MirrorListener): { h: MirrorTaskHarness; provenanceLines: CapturedLine[]; skipped: string[] } {
    const provenanceLines: CapturedLine[] = [];
    const skipped: string[] = [];
    const provenance = new Provenance({
      flow: 'primary->standby', sourceClusterId: PRIMARY_ID, targetClusterId: STANDBY_ID, logger: capturingLogger(provenanceLines),
      telemetry: { recordProvenanceSkipped: (a, partition) => void skipped.push(`${a.topic}-${partition}`) },
    });
    const replicationPolicy = createReplicationPolicy('Identity', '.', { sourceClusterAlias: 'primary' });
    return { h: mirrorTaskHarness({ settings: { replicationPolicy }, provenance, listener }), provenanceLines, skipped };
  }

  it('mirrors each own record once with the origin header, never a record that came from the target (also a run at the end), keeps a third origin, and stores progress past everything', async () => {
    const syncs: string[] = [];
    const listener: MirrorListener = { onMirrored: (p: MirroredPartition, up: number, down: number) => void syncs.push(`${p.partition}:${up}->${down}`) };
    const built = harness(listener);
    h = built.h;
    const t = h.kafka.source.createTopic('orders', 2, [3, 0]);
    h.kafka.source.append('orders', 0, 2, undefined, fromStandby); // 3, 4: copies of the standby's records
    h.kafka.source.append('orders', 0, 2); // 5, 6
    h.kafka.source.append('orders', 0, 3, undefined, fromStandby); // 7, 8, 9: a run at the log end
    h.kafka.source.append('orders', 1, 2, undefined, fromThird); // 0, 1: originated on a third cluster (multi-hop): mirrored on with their origin
    h.kafka.source.append('orders', 1, 2); // 2, 3
    await h.task.start();

    const harnessNow = h;
    await waitFor(() => harnessNow.task.partitionStates.get('orders-0')?.ackedNextOffset === 10 && harnessNow.task.partitionStates.get('orders-1')?.ackedNextOffset === 4, { timeoutMs: 5000, intervalMs: 5, message: 'both partitions acknowledged to their log end' });
    expect(h.kafka.target.values('orders', 0)).toEqual([0, 1, 2, 5, 6].map((o) => valuesOf(t.topicId, o, 1)[0]));
    const stamp = { [PROVENANCE_HEADER]: Buffer.from(PRIMARY_ID) };
    expect(h.kafka.target.headersOf('orders', 0)).toEqual(Array(5).fill([{ h: 'v' }, stamp]));
    expect(h.kafka.target.values('orders', 1)).toEqual(valuesOf(t.topicId, 0, 4));
    expect(h.kafka.target.headersOf('orders', 1)).toEqual([fromThird, fromThird, [{ h: 'v' }, stamp], [{ h: 'v' }, stamp]]);

    // Skipped offsets are source gaps: the listener (offset syncs) hears only mirrored records, so the delta changes at 5.
    expect(syncs.filter((s) => s.startsWith('0:'))).toEqual(['0:0->0', '0:1->1', '0:2->2', '0:5->3', '0:6->4']);
    expect(built.skipped).toEqual(Array(5).fill('orders-0'));
    expect(built.provenanceLines.filter((l) => l.event === 'provenance_loop_skipped').map((l) => [l.partition, l.offset])).toEqual([[0, 3]]);

    // Progress moves past the skipped run at the log end (the timed flush), so lag and a restart see it done.
    h.clock.advance(h.settings.progressFlushIntervalMs);
    await waitFor(() => harnessNow.store.get('orders', 0, t.topicId)?.nextOffset === 10, { timeoutMs: 5000, intervalMs: 5, message: 'progress 10 for orders-0' });
    expect(h.store.get('orders', 0, t.topicId)?.gaps).toEqual([]); // not a loss: nothing to acknowledge
  });

  it('after a restart from stored progress, skips the same records again and mirrors nothing twice', async () => {
    const built = harness();
    h = built.h;
    const t = h.kafka.source.createTopic('orders', 1, [2]);
    h.kafka.source.append('orders', 0, 2, undefined, fromStandby);
    h.store.seed({ topic: 'orders', partition: 0, topicId: t.topicId, nextOffset: 1 });
    h.kafka.target.topics.set('orders', [[valuesOf(t.topicId, 0, 1)[0]!]]);
    await h.task.start();
    const harnessNow = h;
    await waitFor(() => harnessNow.task.partitionStates.get('orders-0')?.ackedNextOffset === 4, { timeoutMs: 5000, intervalMs: 5, message: 'orders-0 acknowledged to 4' });
    expect(h.kafka.target.values('orders', 0)).toEqual(valuesOf(t.topicId, 0, 2));
    expect(built.skipped).toEqual(['orders-0', 'orders-0']);
  });
});
