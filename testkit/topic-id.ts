/**
 * Topic IDs (KIP-516) read from outside the engine: with the raw rdkafka-style AdminClient of
 * @confluentinc/kafka-javascript (kafkajs speaks Metadata v6, which has no topic IDs) and converted here,
 * not with the engine's own conversion.
 */
import Kafka from '@confluentinc/kafka-javascript';
import type { TopicDescription as RdTopicDescription } from '@confluentinc/kafka-javascript';
import { PRIMARY } from './test-clusters.ts';

/**
 * The topic ID of `topic` on `bootstrap` (default: the source cluster) in Kafka's printed form
 * (base64url of the 16 bytes, no padding, as kafka-topics.sh prints it), built from the two 64-bit
 * halves the client returns. Undefined when the topic does not exist.
 */
export async function sourceTopicId(topic: string, bootstrap = PRIMARY): Promise<string | undefined> {
  const admin = Kafka.AdminClient.create({ 'bootstrap.servers': bootstrap, 'client.id': 'kme-test-topic-id' } as never);
  try {
    const [d] = await new Promise<RdTopicDescription[]>((resolve, reject) =>
      admin.describeTopics([topic], { timeout: 10_000 }, (err, res) => (err ? reject(err) : resolve(res))),
    );
    if (!d || d.error) return undefined;
    const bytes = Buffer.alloc(16);
    bytes.writeBigInt64BE(BigInt(d.topicId.mostSignificantBits), 0);
    bytes.writeBigInt64BE(BigInt(d.topicId.leastSignificantBits), 8);
    return bytes.toString('base64url');
  } finally {
    admin.disconnect();
  }
}
