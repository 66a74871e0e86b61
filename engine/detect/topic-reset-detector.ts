/**
 * Topic reset: the source topic was deleted and recreated under the same name. Kafka gives every
 * topic incarnation a new topic ID (KIP-516), so a changed ID is the proof; MM2 keys its progress by
 * name and cannot tell. With an unchanged ID, a log end offset below the next expected offset means
 * the log itself went backwards (e.g. unclean leader election): a divergence, reported on its own.
 */
import type { PartitionOffsets, TopicDescription } from '../kafka/kafka-admin.ts';

/** What a metadata check says about one partition being mirrored. */
export type TopicCheck =
  | { kind: 'unchanged' }
  /** The topic does not exist right now (deleted, maybe about to be recreated). */
  | { kind: 'missing' }
  /** Same topic ID, but the partition no longer exists (cannot happen in Kafka; defensive). */
  | { kind: 'partition-missing' }
  | { kind: 'reset'; oldTopicId: string; newTopicId: string; partitionExists: boolean }
  | { kind: 'divergence'; expectedOffset: number; logEndOffset: number };

/**
 * Classifies a partition from its known topic ID and next expected offset against the current topic
 * description (undefined = topic missing) and, when known, the partition's current offsets.
 */
export function checkTopic(
  known: { topicId: string; partition: number; nextOffset: number },
  current: TopicDescription | undefined,
  offsets?: PartitionOffsets,
): TopicCheck {
  if (!current) return { kind: 'missing' };
  const partitionExists = known.partition < current.partitionCount;
  if (current.topicId !== known.topicId) {
    return { kind: 'reset', oldTopicId: known.topicId, newTopicId: current.topicId, partitionExists };
  }
  if (!partitionExists) return { kind: 'partition-missing' };
  if (offsets && offsets.logEndOffset < known.nextOffset) {
    return { kind: 'divergence', expectedOffset: known.nextOffset, logEndOffset: offsets.logEndOffset };
  }
  return { kind: 'unchanged' };
}
