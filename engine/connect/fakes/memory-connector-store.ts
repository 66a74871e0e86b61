/**
 * Fakes of the worker's collaborators for unit tests: a config/status store over an in-memory record log
 * (replayed like the Kafka topic) and an engine whose start, failure and stop the test controls.
 */
import type { EngineOutcome } from '../../runtime/mirror-engine.ts';
import type { MirrorError } from '../../core/errors.ts';
import { encodeTargetState, replayConfigRecords, type ConnectorStore, type StoredConnector, type StoredStatus, type TargetState } from '../connector-store.ts';
import type { PairEngine } from '../pair-runtime.ts';
import type { PairConfig } from '../connector-config.ts';

/** {@link ConnectorStore} over an array of records (key, value; null = tombstone), as the config topic holds them. */
export class MemoryConnectorStore implements ConnectorStore {
  readonly configRecords: { key: string; value: Buffer | null }[] = [];
  readonly statusRecords: { key: string; value: string | null }[] = [];

  async readAll(): Promise<Map<string, StoredConnector>> {
    return replayConfigRecords(this.configRecords);
  }

  async putConfig(name: string, config: Readonly<Record<string, string>>): Promise<void> {
    this.configRecords.push({ key: `connector-${name}`, value: Buffer.from(JSON.stringify({ properties: config })) });
  }

  async putTargetState(name: string, state: TargetState): Promise<void> {
    this.configRecords.push({ key: `target-state-${name}`, value: encodeTargetState(state) });
  }

  async remove(name: string, taskIds: readonly number[]): Promise<void> {
    this.configRecords.push({ key: `connector-${name}`, value: null }, { key: `target-state-${name}`, value: null });
    this.statusRecords.push({ key: `status-connector-${name}`, value: null }, ...taskIds.map((t) => ({ key: `status-task-${name}-${t}`, value: null })));
  }

  async putStatus(name: string, task: number | undefined, status: StoredStatus): Promise<void> {
    this.statusRecords.push({ key: task === undefined ? `status-connector-${name}` : `status-task-${name}-${task}`, value: JSON.stringify(status) });
  }

  async clusterId(): Promise<string | null> {
    return 'fake-cluster-id';
  }

  async close(): Promise<void> {}
}

/** A controllable engine: `release()` lets start() resolve (immediately unless `holdStart`), `fail(err)` ends it failed. */
export class FakePairEngine implements PairEngine {
  readonly config: PairConfig;
  started = false;
  stopped = false;
  readonly tasks: { settings: { name: string }; snapshot(): { topic: string; partition: number }[] }[] = [];
  private releaseStart: (() => void) | undefined;
  private readonly startGate: Promise<void>;
  private end!: (o: EngineOutcome) => void;
  private readonly ended = new Promise<EngineOutcome>((r) => (this.end = r));

  constructor(config: PairConfig, holdStart: boolean) {
    this.config = config;
    this.startGate = holdStart ? new Promise((r) => (this.releaseStart = r)) : Promise.resolve();
    this.tasks.push({ settings: { name: config.pair }, snapshot: () => [{ topic: 'orders', partition: 0 }] });
  }

  async start(): Promise<void> {
    await this.startGate;
    this.started = true;
  }

  release(): void {
    this.releaseStart?.();
  }

  fail(error: MirrorError): void {
    this.end({ status: 'failed', flow: this.config.pair, error });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.end({ status: 'stopped' });
  }

  done(): Promise<EngineOutcome> {
    return this.ended;
  }
}

/** The latest value written per key (status records). */
export function latestByKey(records: readonly { key: string; value: string | null }[]): Map<string, string | null> {
  return new Map(records.map((r) => [r.key, r.value]));
}
