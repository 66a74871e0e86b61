import { describe, expect, it } from 'vitest';
import { createReplicationPolicy } from '../mm2/replication-policy.ts';
import { PartitionState } from '../partitions/partition-state.ts';
import { capturingLogger, type CapturedLine } from './fakes/fake-kafka.ts';
import { PROVENANCE_HEADER, Provenance, provenanceEnabled, type ProvenanceFlowSettings } from './provenance.ts';

const A = 'AAAAAAAAAAAAAAAAAAAAAA';
const B = 'BBBBBBBBBBBBBBBBBBBBBB';
const C = 'CCCCCCCCCCCCCCCCCCCCCC';

function flow(name: string, policy: 'Default' | 'Identity', provenanceHeader: 'auto' | 'true' | 'false' = 'auto'): ProvenanceFlowSettings {
  const [sourceAlias, targetAlias] = name.split('->') as [string, string];
  return { name, sourceAlias, targetAlias, provenanceHeader, replicationPolicy: createReplicationPolicy(policy, '.', { sourceClusterAlias: sourceAlias }) };
}

describe('provenanceEnabled (replication.provenance.header.enabled)', () => {
  it('auto: on with IdentityReplicationPolicy on this flow or on its reverse flow, off with DefaultReplicationPolicy both ways', () => {
    expect(provenanceEnabled(flow('a->b', 'Identity'), [])).toBe(true);
    expect(provenanceEnabled(flow('a->b', 'Default'), [])).toBe(false);
    expect(provenanceEnabled(flow('a->b', 'Default'), [flow('b->a', 'Default')])).toBe(false);
    expect(provenanceEnabled(flow('a->b', 'Default'), [flow('b->a', 'Identity')])).toBe(true);
    expect(provenanceEnabled(flow('a->b', 'Default'), [flow('c->a', 'Identity')])).toBe(false); // not the reverse flow
  });

  it('true / false as set, whatever the policy', () => {
    expect(provenanceEnabled(flow('a->b', 'Identity', 'false'), [])).toBe(false);
    expect(provenanceEnabled(flow('a->b', 'Default', 'true'), [])).toBe(true);
  });
});

describe('Provenance', () => {
  const lines: CapturedLine[] = [];
  const skipped: string[] = [];
  const p = new Provenance({ flow: 'a->b', sourceClusterId: A, targetClusterId: B, logger: capturingLogger(lines), telemetry: { recordProvenanceSkipped: (a, partition) => void skipped.push(`${a.flow}:${a.topic}-${partition}`) } });
  const rec = (headers?: { [k: string]: string | Buffer }[]) => ({ topic: 't', partition: 0, offset: 3, key: 'k', value: Buffer.from('v'), timestamp: 9, headers });

  it('stamps records without the header with the source cluster ID, after their own headers (order and duplicates kept)', () => {
    const stamped = p.stamp(rec([{ x: '1' }, { x: '2' }]));
    expect(stamped.headers).toEqual([{ x: '1' }, { x: '2' }, { [PROVENANCE_HEADER]: Buffer.from(A) }]);
    expect(stamped).toMatchObject({ topic: 't', partition: 0, offset: 3, key: 'k', value: Buffer.from('v'), timestamp: 9 });
    expect(p.stamp(rec()).headers).toEqual([{ [PROVENANCE_HEADER]: Buffer.from(A) }]);
  });

  it('keeps the origin of a record that carries the header (multi-hop) and recognises the target as origin (Buffer or string)', () => {
    const fromC = rec([{ [PROVENANCE_HEADER]: Buffer.from(C) }]);
    expect(p.stamp(fromC)).toBe(fromC);
    expect(p.comesFromTarget(fromC)).toBe(false);
    expect(p.comesFromTarget(rec([{ x: '1' }, { [PROVENANCE_HEADER]: Buffer.from(B) }]))).toBe(true);
    expect(p.comesFromTarget(rec([{ [PROVENANCE_HEADER]: B }]))).toBe(true);
    expect(p.comesFromTarget(rec([{ x: B }]))).toBe(false);
    expect(p.comesFromTarget(rec())).toBe(false);
  });

  it('counts every skipped record and logs the first one of each partition once at info', () => {
    const s0 = new PartitionState({ topic: 't', partition: 0 }, 'id', 0, 0);
    const s1 = new PartitionState({ topic: 't', partition: 1 }, 'id', 0, 0);
    p.onSkipped(s0, 4);
    p.onSkipped(s0, 5);
    p.onSkipped(s1, 0);
    expect(skipped).toEqual(['a->b:t-0', 'a->b:t-0', 'a->b:t-1']);
    expect([...p.skipped]).toEqual([['t-0', 2], ['t-1', 1]]);
    const info = lines.filter((l) => l.event === 'provenance_loop_skipped');
    expect(info.map((l) => [l.level, l.topic, l.partition, l.offset, l.origin])).toEqual([['info', 't', 0, 4, B], ['info', 't', 1, 0, B]]);
  });

  it('refuses a flow whose source and target are the same cluster', () => {
    expect(() => new Provenance({ flow: 'a->b', sourceClusterId: A, targetClusterId: A, logger: capturingLogger([]) })).toThrow(/same Kafka cluster/);
  });
});
