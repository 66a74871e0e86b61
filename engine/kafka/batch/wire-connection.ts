/**
 * A plaintext connection to one broker for the batch data path's Fetch and Produce that writes each request
 * as its list of chunks (socket cork → one writev) instead of joining it into one Buffer first.
 *
 * Why: @platformatic/kafka's `Connection.send` joins every request into a new Buffer (`Writer.buffer` →
 * `Buffer.concat`) before `socket.write`, so each produced byte was copied once more, and each ~1 MiB
 * Produce request was a fresh ArrayBuffer: external memory that drives V8's "external memory pressure"
 * garbage collections (engine/kafka/batch/README.md, profile). Here a Produce request's batch chunks —
 * views of the fetch response's socket chunks (./record-batch.ts) — reach the kernel as they are.
 *
 * It keeps the library's `send(apiKey, apiVersion, createPayload, parser, requestTagged, responseTagged,
 * callback)` contract, so the library's API functions (`createAPI` results: ./batch-protocol.ts) run on it
 * unchanged, and frames as the library does (Kafka protocol doc "Common Request and Response Structure":
 * int32 size, request header v2 = api key, version, correlation id, client id, tagged fields; response
 * header v1 = correlation id, tagged fields). Responses are matched by correlation id and parsed over a
 * view of the received chunks. Invariant: requests are written in `send` order, at most `maxInflights`
 * unanswered at once (more wait in order, as the library's queue does).
 *
 * SASL and TLS connections keep the library's `Connection` (./batch-client.ts decides): its SASL exchange,
 * KIP-368 re-authentication and TLS options are not re-implemented here.
 */
import { createConnection, type Socket } from 'node:net';
import { NetworkError, Reader, TimeoutError, Writer } from '@platformatic/kafka';

/** What a parser of the library's API definitions receives and returns. */
type ResponseParser = (correlationId: number, apiKey: number, apiVersion: number, reader: Reader) => unknown;
type Callback = (error: Error | null, result?: unknown) => void;

/** Options of a {@link WireConnection}; times in ms. */
export interface WireConnectionOptions {
  /** Longest wait for the TCP connect (default 5 000, the library's). */
  connectTimeout?: number;
  /** Longest wait for a response; past it the request fails with TimeoutError (default 30 000, the library's). */
  requestTimeout?: number;
  /** Requests written and not yet answered at most (default 5, the library's); later ones wait in order. */
  maxInflights?: number;
}

interface PendingRequest {
  correlationId: number;
  apiKey: number;
  apiVersion: number;
  chunks: Buffer[];
  parser: ResponseParser;
  responseTagged: boolean;
  callback: Callback;
  timer: NodeJS.Timeout | undefined;
  /** Failed by its timeout: its late response is read and dropped. */
  timedOut: boolean;
}

/** Chunks below this size are joined with their small neighbours before the write (fewer iovecs, bytes). */
const SMALL_CHUNK_BYTES = 4096;

/** One plaintext broker connection with chunked request writes; see the module doc. */
export class WireConnection {
  private readonly clientId: string;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxInflights: number;
  private socket: Socket | undefined;
  private closed = false;
  private correlationId = 0;
  private readonly inflight = new Map<number, PendingRequest>();
  private readonly waiting: PendingRequest[] = [];
  /** Received bytes not yet parsed (the library's growable chunk list). */
  private readonly received = Writer.create().dynamicBuffer;
  /** Size of the response being received (after its int32 size field), -1 before that field arrived. */
  private responseSize = -1;

  constructor(clientId: string, options: WireConnectionOptions = {}) {
    this.clientId = clientId;
    this.connectTimeoutMs = options.connectTimeout ?? 5000;
    this.requestTimeoutMs = options.requestTimeout ?? 30_000;
    this.maxInflights = options.maxInflights ?? 5;
  }

  /** Opens the TCP connection. Rejects with NetworkError (refused, reset) or TimeoutError (`connectTimeout`). */
  connect(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host, port, timeout: this.connectTimeoutMs });
      const onTimeout = (): void => {
        socket.destroy();
        reject(new TimeoutError(`Connection to ${host}:${port} timed out.`));
      };
      const onError = (err: Error): void => reject(new NetworkError(`Connection to ${host}:${port} failed.`, { cause: err }));
      socket.once('timeout', onTimeout);
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.removeListener('timeout', onTimeout);
        socket.removeListener('error', onError);
        socket.setTimeout(0);
        socket.setNoDelay(true);
        socket.on('data', (chunk: Buffer) => this.onData(chunk));
        socket.on('error', (err: Error) => this.fail(new NetworkError('Connection error', { cause: err })));
        socket.on('close', () => this.fail(new NetworkError('Connection closed')));
        this.socket = socket;
        resolve();
      });
    });
  }

  /**
   * Sends one request (the library's `Connection.send` contract): `createPayload` builds the body, the
   * response goes through `parser` to `callback`. Never throws: errors (closed connection, payload or parser
   * errors, timeout) reach `callback`.
   */
  send(apiKey: number, apiVersion: number, createPayload: () => Writer, parser: ResponseParser, requestTagged: boolean, responseTagged: boolean, callback: Callback): void {
    let payload: Writer;
    try {
      payload = createPayload();
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (this.closed || !this.socket) {
      callback(new NetworkError('Connection closed'));
      return;
    }
    this.correlationId = this.correlationId === 0x7fffffff ? 1 : this.correlationId + 1;
    const frame = Writer.create().appendInt16(apiKey).appendInt16(apiVersion).appendInt32(this.correlationId).appendString(this.clientId, false);
    if (requestTagged) frame.appendTaggedFields();
    frame.appendFrom(payload).prependLength();
    const request: PendingRequest = { correlationId: this.correlationId, apiKey, apiVersion, chunks: joinSmall(frame.buffers), parser, responseTagged, callback, timer: undefined, timedOut: false };
    if (this.inflight.size < this.maxInflights) this.write(request);
    else this.waiting.push(request);
  }

  /** Closes the connection; requests not answered fail with NetworkError. */
  close(): Promise<void> {
    const socket = this.socket;
    this.fail(new NetworkError('Connection closed'));
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      socket.destroySoon();
    });
  }

  private write(request: PendingRequest): void {
    const socket = this.socket!;
    this.inflight.set(request.correlationId, request);
    request.timer = setTimeout(() => this.onTimeout(request), this.requestTimeoutMs);
    // Corked writes leave in one writev at uncork (net.Socket._writev): the chunks are never joined here.
    socket.cork();
    for (const chunk of request.chunks) socket.write(chunk);
    socket.uncork();
    request.chunks = [];
  }

  private onTimeout(request: PendingRequest): void {
    request.timedOut = true;
    request.callback(new TimeoutError('Request timed out'));
  }

  private onData(chunk: Buffer): void {
    const rx = this.received;
    rx.append(chunk);
    while (rx.length >= 4) {
      if (this.responseSize < 0) this.responseSize = rx.readInt32BE(0);
      const end = 4 + this.responseSize;
      if (rx.length < end) return;
      const correlationId = rx.readInt32BE(4);
      const request = this.inflight.get(correlationId);
      if (!request) {
        this.socket?.destroy(new NetworkError(`Received unexpected response with correlation_id=${correlationId}`));
        return;
      }
      this.inflight.delete(correlationId);
      clearTimeout(request.timer);
      let result: unknown;
      let error: Error | null = null;
      try {
        // Response header v1 ends in tagged fields: the library skips one byte (an empty tagged-field count), as here.
        if (!request.timedOut) result = request.parser(correlationId, request.apiKey, request.apiVersion, new Reader(rx.subarray(request.responseTagged ? 9 : 8, end)));
      } catch (err) {
        error = err as Error;
      } finally {
        rx.consume(end);
        this.responseSize = -1;
      }
      const next = this.waiting.shift();
      if (next) this.write(next);
      if (!request.timedOut) request.callback(error, result);
    }
  }

  /** Fails every request not answered (the connection is gone or closing). */
  private fail(error: Error): void {
    this.closed = true;
    const all = [...this.inflight.values(), ...this.waiting];
    this.inflight.clear();
    this.waiting.length = 0;
    for (const r of all) {
      clearTimeout(r.timer);
      if (!r.timedOut) r.callback(error);
    }
  }
}

/** `chunks` with every run of small chunks joined into one Buffer; large chunks stay the same objects (no copy). */
function joinSmall(chunks: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let run: Buffer[] = [];
  const flush = (): void => {
    if (run.length === 1) out.push(run[0]!);
    else if (run.length > 1) out.push(Buffer.concat(run));
    run = [];
  };
  for (const c of chunks) {
    if (c.length < SMALL_CHUNK_BYTES) run.push(c);
    else {
      flush();
      out.push(c);
    }
  }
  flush();
  return out;
}
