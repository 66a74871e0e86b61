/**
 * Topic reset: the source topic was deleted and recreated under the same name. Kafka gives every
 * topic incarnation a new topic ID (KIP-516), so a changed ID is the proof; MM2 keys its progress by
 * name and cannot tell. With an unchanged ID, a log end offset below the next expected offset means
 * the log itself went backwards (e.g. unclean leader election): a divergence, reported on its own.
 */
import type { PartitionOffsets, TopicDescription } from '../kafka/kafka-admin.ts';

/** What a topic description says about the incarnation being mirrored, for the topic as a whole. */
export type IncarnationCheck =
  /** The topic does not exist right now (deleted, maybe about to be recreated). */
  | { kind: 'missing' }
  /** Same topic ID, or no incarnation known to compare with (nothing to re-decide). */
  | { kind: 'unchanged' }
  /** Deleted and recreated: the topic ID changed (KIP-516). */
  | { kind: 'reset'; oldTopicId: string; newTopicId: string };

/**
 * Classifies a tracked topic from the topic ID of the incarnation being mirrored (undefined: none known
 * yet) against its current description (undefined = topic missing). A reset is decided by the topic ID
 * alone: offsets never turn it into anything else.
 */
export function checkIncarnation(mirroredTopicId: string | undefined, current: TopicDescription | undefined): IncarnationCheck {
  if (!current) return { kind: 'missing' };
  if (mirroredTopicId !== undefined && current.topicId !== mirroredTopicId) return { kind: 'reset', oldTopicId: mirroredTopicId, newTopicId: current.topicId };
  return { kind: 'unchanged' };
}

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
 * The topic-level part is {@link checkIncarnation}.
 */
export function checkTopic(
  known: { topicId: string; partition: number; nextOffset: number },
  current: TopicDescription | undefined,
  offsets?: PartitionOffsets,
): TopicCheck {
  const incarnation = checkIncarnation(known.topicId, current);
  if (incarnation.kind === 'missing' || !current) return { kind: 'missing' };
  const partitionExists = known.partition < current.partitionCount;
  if (incarnation.kind === 'reset') return { ...incarnation, partitionExists };
  if (!partitionExists) return { kind: 'partition-missing' };
  if (offsets && offsets.logEndOffset < known.nextOffset) {
    return { kind: 'divergence', expectedOffset: known.nextOffset, logEndOffset: offsets.logEndOffset };
  }
  return { kind: 'unchanged' };
}
