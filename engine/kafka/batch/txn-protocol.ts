/**
 * The coordinator requests of the batch path's transactional producer (./batch-transactions.ts) on
 * @platformatic/kafka's API definitions, over the target's {@link BatchClient}: InitProducerId v5,
 * AddPartitionsToTxn v3, AddOffsetsToTxn v4 and EndTxn v4 to the transaction coordinator of the
 * `transactional.id`, TxnOffsetCommit v4 to the group coordinator (FindCoordinator v4 for both). Every answer
 * becomes a Kafka error code; a failed request is -1 and makes the coordinator be looked up again.
 */
import { addOffsetsToTxnV4, addPartitionsToTxnV3, endTxnV4, initProducerIdV5, txnOffsetCommitV4, type Connection } from '@platformatic/kafka';
import type { GroupMemberMetadata, TransactionOffset } from '../target-transactions.ts';
import type { BatchClient } from './batch-client.ts';
import type { TxnIdentity, TxnProtocol } from './batch-transactions.ts';

/** FindCoordinator key types (KIP-98 / protocol guide): 0 group, 1 transaction. */
const GROUP = 0;
const TRANSACTION = 1;

/** Codes after which the coordinator is looked up again: 15 COORDINATOR_NOT_AVAILABLE, 16 NOT_COORDINATOR (Java: `lookupCoordinator` in the handlers). */
const MOVED: ReadonlySet<number> = new Set([15, 16]);

/** {@link TxnProtocol} over a connected {@link BatchClient} of the target. */
export class ClientTxnProtocol implements TxnProtocol {
  private readonly client: BatchClient;

  constructor(client: BatchClient) {
    this.client = client;
  }

  async initProducerId(transactionalId: string, transactionTimeoutMs: number): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
    let producerId = -1;
    let producerEpoch = -1;
    const errorCode = await this.call(TRANSACTION, transactionalId, async (c) => {
      const r = await initProducerIdV5.api.async(c, transactionalId, transactionTimeoutMs, -1n, -1);
      producerId = Number(r.producerId);
      producerEpoch = r.producerEpoch;
      return r.errorCode;
    });
    return { errorCode, producerId, producerEpoch };
  }

  addPartitions(t: TxnIdentity, topic: string, partitions: readonly number[]): Promise<number> {
    return this.call(TRANSACTION, t.transactionalId, async (c) => {
      const r = await addPartitionsToTxnV3.api.async(c, [{ transactionalId: t.transactionalId, producerId: BigInt(t.producerId), producerEpoch: t.producerEpoch, verifyOnly: false, topics: [{ name: topic, partitions: [...partitions] }] }]);
      return worst([r.errorCode, ...r.resultsByTransaction.flatMap((x) => x.topicResults.flatMap((tr) => tr.resultsByPartition.map((p) => p.partitionErrorCode)))]);
    });
  }

  addOffsets(t: TxnIdentity, groupId: string): Promise<number> {
    return this.call(TRANSACTION, t.transactionalId, async (c) => (await addOffsetsToTxnV4.api.async(c, t.transactionalId, BigInt(t.producerId), t.producerEpoch, groupId)).errorCode);
  }

  txnOffsetCommit(t: TxnIdentity, member: GroupMemberMetadata, offsets: readonly TransactionOffset[]): Promise<number> {
    const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: null }[]>();
    for (const o of offsets) {
      let list = byTopic.get(o.topic);
      if (!list) byTopic.set(o.topic, (list = []));
      list.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: null });
    }
    const topics = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
    return this.call(GROUP, member.groupId, async (c) => {
      const r = await txnOffsetCommitV4.api.async(c, t.transactionalId, member.groupId, BigInt(t.producerId), t.producerEpoch, member.generationId, member.memberId, member.groupInstanceId, topics);
      return worst(r.topics.flatMap((x) => x.partitions.map((p) => p.errorCode)));
    });
  }

  endTxn(t: TxnIdentity, commit: boolean): Promise<number> {
    return this.call(TRANSACTION, t.transactionalId, async (c) => (await endTxnV4.api.async(c, t.transactionalId, BigInt(t.producerId), t.producerEpoch, commit)).errorCode);
  }

  /**
   * Runs `request` on the coordinator's connection; the library throws its ResponseError (response attached)
   * for a non-zero code, which `request` sees again here through `answer`. -1 when the request failed.
   */
  private async call(keyType: 0 | 1, key: string, request: (c: Connection) => Promise<number>): Promise<number> {
    let code: number;
    try {
      code = await request(await this.client.coordinatorConnection(keyType, key));
    } catch (err) {
      const fromResponse = errorCodeOf(err);
      if (fromResponse === undefined) {
        this.client.forgetCoordinator(keyType, key, true);
        return -1;
      }
      code = fromResponse;
    }
    if (MOVED.has(code)) this.client.forgetCoordinator(keyType, key);
    return code;
  }
}

/** The Kafka code of a thrown library error: the response's own code, else the first nested protocol error's, else BatchProtocolError's. */
function errorCodeOf(err: unknown): number | undefined {
  const e = err as { errorCode?: number; response?: { errorCode?: number }; errors?: { apiCode?: number; errorCode?: number; code?: unknown }[] };
  if (typeof e.errorCode === 'number') return e.errorCode; // BatchProtocolError (FindCoordinator)
  const nested = e.errors?.map((x) => x.apiCode ?? x.errorCode).find((c) => typeof c === 'number' && c !== 0);
  if (nested !== undefined) return nested;
  if (e.response && typeof e.response.errorCode === 'number' && e.response.errorCode !== 0) return e.response.errorCode;
  return undefined;
}

/** The first non-zero code, or 0. */
function worst(codes: readonly number[]): number {
  return codes.find((c) => c !== 0) ?? 0;
}
