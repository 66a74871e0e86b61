/**
 * Response parsers of the batch path against hand-built Fetch v17 / Produce v11 bodies (the Kafka protocol
 * guide's layouts), in particular non-empty tagged fields: a broker answering NOT_LEADER_OR_FOLLOWER adds
 * CurrentLeader (KIP-951: Fetch partition tag 1, Produce partition tag 0) and NodeEndpoints at the top level.
 * The library's Reader.readTaggedFields misreads them (count read as zigzag varint), which made every fetch of a
 * stopping broker fail with "Out of bounds." in chaos runs.
 */
import { Reader, Writer } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { parseFetchResponse, parseProduceResponse, skipTaggedFields } from './batch-protocol.ts';

const TOPIC_ID = '9b1f1a52-6b5d-4b0e-9c42-6a3f1c2d4e5f';

/** Tagged fields: a count, then per field tag, size and bytes (KIP-482). */
function tagged(w: Writer, fields: [tag: number, bytes: Buffer][]): Writer {
  w.appendUnsignedVarInt(fields.length);
  for (const [tag, bytes] of fields) w.appendUnsignedVarInt(tag).appendUnsignedVarInt(bytes.length).append(bytes);
  return w;
}

/** CurrentLeader { leader_id int32, leader_epoch int32, tagged fields } as a tagged field's bytes. */
function currentLeader(leaderId: number, epoch: number): Buffer {
  const w = Writer.create().appendInt32(leaderId).appendInt32(epoch);
  return tagged(w, []).buffer;
}

function fetchBody(partitionTags: [number, Buffer][]): Buffer {
  const w = Writer.create().appendInt32(0).appendInt16(0).appendInt32(0); // throttle, error, session
  w.appendUnsignedVarInt(2).appendUUID(TOPIC_ID); // one topic
  w.appendUnsignedVarInt(3); // two partitions
  // partition 0: NOT_LEADER_OR_FOLLOWER with CurrentLeader, no records
  w.appendInt32(0).appendInt16(6).appendInt64(-1n).appendInt64(-1n).appendInt64(-1n).appendUnsignedVarInt(0).appendInt32(-1).appendUnsignedVarInt(0);
  tagged(w, partitionTags);
  // partition 1: fine, 3 bytes of "records", one aborted transaction
  w.appendInt32(1).appendInt16(0).appendInt64(42n).appendInt64(40n).appendInt64(7n);
  w.appendUnsignedVarInt(2).appendInt64(9n).appendInt64(30n);
  tagged(w, []); // aborted transaction's tagged fields
  w.appendInt32(-1).appendUnsignedVarInt(4).append(Buffer.from([1, 2, 3]));
  tagged(w, []);
  tagged(w, []); // topic
  tagged(w, [[0, Buffer.from([1, 0])]]); // top level: NodeEndpoints (content irrelevant here)
  return w.buffer;
}

describe('batch-protocol response parsers', () => {
  it('skipTaggedFields skips every field of a non-empty set', () => {
    const r = Reader.from(tagged(Writer.create(), [[1, Buffer.alloc(9)], [5, Buffer.alloc(200)]]).appendInt32(77).buffer);
    skipTaggedFields(r);
    expect(r.readInt32()).toBe(77);
  });

  it('parses a Fetch v17 answer whose NOT_LEADER_OR_FOLLOWER partition carries CurrentLeader (tag 1)', () => {
    const result = parseFetchResponse(1, 1, 17, Reader.from(fetchBody([[1, currentLeader(2, 5)]])));
    expect(result.partitions.map((p) => [p.partition, p.errorCode])).toEqual([[0, 6], [1, 0]]);
    const p1 = result.partitions[1]!;
    expect([p1.highWatermark, p1.lastStableOffset, p1.logStartOffset]).toEqual([42, 40, 7]);
    expect(p1.abortedTransactions).toEqual([{ producerId: 9, firstOffset: 30 }]);
    expect(Buffer.concat(p1.records as Buffer[])).toEqual(Buffer.from([1, 2, 3]));
  });

  it('parses the same answer without tagged fields', () => {
    const result = parseFetchResponse(1, 1, 17, Reader.from(fetchBody([])));
    expect(result.partitions).toHaveLength(2);
  });

  it('parses a Produce v11 answer whose partition carries CurrentLeader (tag 0)', () => {
    const w = Writer.create().appendUnsignedVarInt(2).appendString('orders'); // one topic
    w.appendUnsignedVarInt(3);
    w.appendInt32(0).appendInt16(6).appendInt64(-1n).appendInt64(-1n).appendInt64(-1n).appendUnsignedVarInt(1).appendString(null);
    tagged(w, [[0, currentLeader(2, 5)]]);
    w.appendInt32(1).appendInt16(0).appendInt64(100n).appendInt64(-1n).appendInt64(0n).appendUnsignedVarInt(1).appendString(null);
    tagged(w, []);
    tagged(w, []); // topic
    w.appendInt32(0); // throttle
    tagged(w, [[0, Buffer.from([1, 0])]]); // NodeEndpoints
    const results = parseProduceResponse(1, 0, 11, Reader.from(w.buffer));
    expect(results.map((r) => [r.partition, r.errorCode, r.baseOffset])).toEqual([[0, 6, -1], [1, 0, 100]]);
  });
});
