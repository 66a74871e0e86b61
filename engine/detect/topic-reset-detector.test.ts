import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIncarnation, checkTopic, type TopicCheck } from './topic-reset-detector.ts';
import type { PartitionOffsets, TopicDescription } from '../kafka/kafka-admin.ts';

const OLD = 'oldTopicIdAAAAAAAAAAAA';
const NEW = 'newTopicIdBBBBBBBBBBBB';
const known = { topicId: OLD, partition: 1, nextOffset: 500 };
const topic = (topicId: string, partitionCount: number): TopicDescription => ({ name: 'commit-log', topicId, partitionCount });

describe('checkIncarnation', () => {
  it('classifies a topic by its topic ID alone', () => {
    expect(checkIncarnation(OLD, undefined)).toEqual({ kind: 'missing' });
    expect(checkIncarnation(undefined, undefined)).toEqual({ kind: 'missing' });
    expect(checkIncarnation(OLD, topic(OLD, 3))).toEqual({ kind: 'unchanged' });
    expect(checkIncarnation(OLD, topic(NEW, 1))).toEqual({ kind: 'reset', oldTopicId: OLD, newTopicId: NEW });
    // Nothing mirrored yet (e.g. every partition belongs to another task): nothing to compare, never a reset.
    expect(checkIncarnation(undefined, topic(NEW, 3))).toEqual({ kind: 'unchanged' });
  });

  it('agrees with checkTopic on every partition of the topic (property, seed 7)', () => {
    const idArb = fc.constantFrom('id-a', 'id-b');
    fc.assert(
      fc.property(idArb, fc.option(fc.record({ name: fc.constant('t'), topicId: idArb, partitionCount: fc.integer({ min: 1, max: 4 }) }), { nil: undefined }), fc.nat(5), (id, current, partition) => {
        const topicLevel = checkIncarnation(id, current).kind;
        const partitionLevel = checkTopic({ topicId: id, partition, nextOffset: 0 }, current).kind;
        if (topicLevel === 'missing' || topicLevel === 'reset') expect(partitionLevel).toBe(topicLevel);
        else expect(['unchanged', 'partition-missing']).toContain(partitionLevel);
      }),
      { seed: 7, numRuns: 100 },
    );
  });
});

describe('checkTopic', () => {
  it('classifies a missing topic as missing', () => {
    expect(checkTopic(known, undefined)).toEqual({ kind: 'missing' });
    expect(checkTopic(known, undefined, { logStartOffset: 0, logEndOffset: 0 })).toEqual({ kind: 'missing' });
  });

  it('classifies a changed topic ID as a reset, whatever the offsets say', () => {
    expect(checkTopic(known, topic(NEW, 3), { logStartOffset: 0, logEndOffset: 10_000 })).toEqual({ kind: 'reset', oldTopicId: OLD, newTopicId: NEW, partitionExists: true });
    // Recreated with fewer partitions: the partition is gone in the new incarnation.
    expect(checkTopic(known, topic(NEW, 1))).toEqual({ kind: 'reset', oldTopicId: OLD, newTopicId: NEW, partitionExists: false });
  });

  it('classifies a log end below the expected offset under the same topic ID as divergence', () => {
    expect(checkTopic(known, topic(OLD, 3), { logStartOffset: 0, logEndOffset: 499 })).toEqual({ kind: 'divergence', expectedOffset: 500, logEndOffset: 499 });
  });

  it('classifies a caught-up, lagging or offset-less partition of the same incarnation as unchanged', () => {
    expect(checkTopic(known, topic(OLD, 3), { logStartOffset: 0, logEndOffset: 500 })).toEqual({ kind: 'unchanged' });
    expect(checkTopic(known, topic(OLD, 3), { logStartOffset: 0, logEndOffset: 9_000 })).toEqual({ kind: 'unchanged' });
    expect(checkTopic(known, topic(OLD, 3))).toEqual({ kind: 'unchanged' });
    // Truncation (expected < log start) is not this detector's finding.
    expect(checkTopic(known, topic(OLD, 3), { logStartOffset: 800, logEndOffset: 900 })).toEqual({ kind: 'unchanged' });
  });

  it('reports a vanished partition under an unchanged topic ID defensively', () => {
    expect(checkTopic(known, topic(OLD, 1))).toEqual({ kind: 'partition-missing' });
  });

  it('classifies every combination like the decision table (property, seed 42)', () => {
    const idArb = fc.constantFrom('id-a', 'id-b', 'id-c');
    fc.assert(
      fc.property(
        fc.record({ topicId: idArb, partition: fc.nat(8), nextOffset: fc.nat(1e9) }),
        fc.option(fc.record({ name: fc.constant('t'), topicId: idArb, partitionCount: fc.integer({ min: 1, max: 8 }) }), { nil: undefined }),
        fc.option(fc.record({ logStartOffset: fc.nat(1e9), logEndOffset: fc.nat(1e9) }), { nil: undefined }),
        (k, current: TopicDescription | undefined, offsets: PartitionOffsets | undefined) => {
          let expected: TopicCheck;
          if (current === undefined) expected = { kind: 'missing' };
          else if (current.topicId !== k.topicId)
            expected = { kind: 'reset', oldTopicId: k.topicId, newTopicId: current.topicId, partitionExists: k.partition < current.partitionCount };
          else if (k.partition >= current.partitionCount) expected = { kind: 'partition-missing' };
          else if (offsets !== undefined && offsets.logEndOffset < k.nextOffset)
            expected = { kind: 'divergence', expectedOffset: k.nextOffset, logEndOffset: offsets.logEndOffset };
          else expected = { kind: 'unchanged' };
          expect(checkTopic(k, current, offsets)).toEqual(expected);
          // A reset is decided by the topic ID alone: offsets never turn it into anything else.
          if (current && current.topicId !== k.topicId) expect(checkTopic(k, current).kind).toBe('reset');
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});
