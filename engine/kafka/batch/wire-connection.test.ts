import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection, Writer } from '@platformatic/kafka';
import { encodeBatch } from './batch-encoder.ts';
import { produceRawV11, type ProducePartitionResult, type ProduceRequestBody } from './batch-protocol.ts';
import { readBatches } from './record-batch.ts';
import { WireConnection } from './wire-connection.ts';

/** A broker stand-in on 127.0.0.1 that records every request frame and answers Produce v11 with `baseOffset` = its correlation id (or not at all while `silent`). */
class FrameServer {
  readonly frames: Buffer[] = [];
  /** Request frames received per connection, in order, as their correlation ids. */
  readonly order: number[] = [];
  silent = false;
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
          const frame = pending.subarray(0, 4 + pending.readInt32BE(0));
          pending = pending.subarray(frame.length);
          this.frames.push(Buffer.from(frame));
          const correlationId = frame.readInt32BE(8);
          this.order.push(correlationId);
          if (!this.silent) socket.write(produceResponse(correlationId));
        }
      });
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** A Produce v11 response (flexible): one topic `t`, partition 0, no error, baseOffset = the correlation id. */
function produceResponse(correlationId: number): Buffer {
  return Writer.create()
    .appendInt32(correlationId)
    .appendTaggedFields()
    .appendArray([0], (w) =>
      w.appendString('t').appendArray([0], (w) => w.appendInt32(0).appendInt16(0).appendInt64(BigInt(correlationId)).appendInt64(-1n).appendInt64(0n).appendArray([], () => undefined).appendString(null)),
    )
    .appendInt32(0)
    .appendTaggedFields()
    .prependLength().buffer;
}

/** A Produce body whose batch arrives as 1 000-byte chunks (views), as the batch path hands them over. */
function chunkedProduce(): ProduceRequestBody {
  const batch = encodeBatch(Array.from({ length: 200 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(50, i), headers: [], timestamp: 1000 + i })), { baseOffset: 0 });
  const chunks: Buffer[] = [];
  for (let at = 0; at < batch.length; at += 1000) chunks.push(batch.subarray(at, at + 1000));
  const [b] = readBatches(chunks).batches;
  return { acks: -1, timeoutMs: 1000, topics: [{ topic: 't', partitions: [{ partition: 0, batch: b! }] }] };
}

const servers: FrameServer[] = [];
async function server(): Promise<FrameServer> {
  const s = new FrameServer();
  await s.start();
  servers.push(s);
  return s;
}
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

describe('WireConnection', () => {
  it('writes the same request bytes as the library Connection and parses the response alike', async () => {
    const [a, b] = [await server(), await server()];
    const lib = new Connection('kme-test');
    await lib.connect('127.0.0.1', a.port);
    const wire = new WireConnection('kme-test');
    await wire.connect('127.0.0.1', b.port);
    const body = chunkedProduce();
    const viaLib = await produceRawV11.async(lib, body);
    const viaWire = await produceRawV11.async(wire as unknown as Connection, body);
    expect(viaWire).toEqual(viaLib);
    expect(viaWire).toEqual([{ topic: 't', partition: 0, errorCode: 0, baseOffset: 1, logStartOffset: 0, errorMessage: null } satisfies ProducePartitionResult]);
    expect(b.frames).toHaveLength(1);
    expect(b.frames[0]!.equals(a.frames[0]!)).toBe(true);
    await lib.close();
    await wire.close();
  });

  it('keeps send order with at most maxInflights unanswered; later requests wait and go out as answers arrive', async () => {
    const s = await server();
    const wire = new WireConnection('kme-test', { maxInflights: 2 });
    await wire.connect('127.0.0.1', s.port);
    const results = await Promise.all(Array.from({ length: 7 }, () => produceRawV11.async(wire as unknown as Connection, chunkedProduce())));
    expect(results.map((r) => r[0]!.baseOffset)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(s.order).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await wire.close();
  });

  it('fails unanswered requests with a timeout, and every pending one when the connection closes', async () => {
    const s = await server();
    s.silent = true;
    const wire = new WireConnection('kme-test', { requestTimeout: 50, maxInflights: 1 });
    await wire.connect('127.0.0.1', s.port);
    await expect(produceRawV11.async(wire as unknown as Connection, chunkedProduce())).rejects.toThrow(/timed out/);
    const waiting = expect(produceRawV11.async(wire as unknown as Connection, chunkedProduce())).rejects.toThrow(/Connection closed/); // behind the timed-out one (maxInflights 1)
    await wire.close();
    await waiting;
    await expect(produceRawV11.async(wire as unknown as Connection, chunkedProduce())).rejects.toThrow(/Connection closed/);
  });

  it('rejects connect when nothing listens', async () => {
    const s = await server();
    const port = s.port;
    await s.stop();
    servers.length = 0;
    await expect(new WireConnection('kme-test').connect('127.0.0.1', port)).rejects.toThrow(/failed/);
  });
});
