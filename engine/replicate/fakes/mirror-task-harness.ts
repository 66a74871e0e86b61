/**
 * A {@link MirrorTask} wired to the in-memory fakes of testkit/fake-kafka.ts, with a manual clock and
 * captured log lines: what the mirror-task unit tests drive. No broker, no sleeps standing in for a
 * condition (tests wait with {@link waitFor}).
 */
import { parseMirrorConfig } from '../../config/config.ts';
import { MirrorTask, type MirrorListener, type MirrorTaskSettings } from '../mirror-task.ts';
import type { Provenance } from '../provenance.ts';
import { FakeKafka, FakeProgressStore, FakeTelemetry, ManualClock, capturingLogger, type CapturedLine, type FakeKafkaOptions } from './fake-kafka.ts';
import type { FakeGroup } from './fake-group.ts';
import type { ProgressRecord } from '../../progress/progress-store.ts';
import { waitFor } from '../../../testkit/wait-for.ts';

/** The settings of a `primary->standby` flow with every default, topic config sync off (it would need a real source). */
export function testFlowSettings(overrides: Partial<MirrorTaskSettings> = {}): MirrorTaskSettings {
  const { config } = parseMirrorConfig(
    ['clusters = primary, standby', 'primary.bootstrap.servers = 127.0.0.1:1', 'standby.bootstrap.servers = 127.0.0.1:2', 'primary->standby.enabled = true', 'sync.topic.configs.enabled = false'].join('\n'),
    { env: {} },
  );
  // The fakes model the record path's clients (consumer, producer); the batch path has its own fakes (batch-path.test.ts).
  return { ...config.flows[0]!, dataPath: 'records', ...overrides };
}

/** Fakes, clock, log and the task under test. */
export interface MirrorTaskHarness {
  kafka: FakeKafka;
  store: FakeProgressStore;
  telemetry: FakeTelemetry;
  clock: ManualClock;
  lines: CapturedLine[];
  settings: MirrorTaskSettings;
  task: MirrorTask;
  /** Log lines with `event` = `event`. */
  events(event: string): CapturedLine[];
  /** Waits (real time, deadline 5 s) until a log line with `event` appears; returns it. */
  waitForEvent(event: string): Promise<CapturedLine>;
  /** Waits until the remote partition holds `count` records; returns its values. */
  waitForRemote(topic: string, partition: number, count: number): Promise<string[]>;
}

/** Options of {@link mirrorTaskHarness}. */
export interface MirrorTaskHarnessOptions {
  settings?: Partial<MirrorTaskSettings>;
  kafka?: FakeKafkaOptions;
  /** Clusters shared with other harnesses (default: fresh ones). */
  fakes?: FakeKafka;
  /** Progress topic shared with other harnesses (default: this task's own). */
  progressTopic?: ProgressRecord[];
  /** Join this fake group: the task then mirrors what the test assigns it (default: the whole flow). */
  group?: FakeGroup;
  /** Shared with other harnesses (default: a fresh one). */
  clock?: ManualClock;
  /** Stands in for the offset-sync writer (default: none). */
  listener?: MirrorListener;
  /** The flow's provenance header rule (default: off). */
  provenance?: Provenance;
}

/** Builds the task (not started) over fresh fakes (or the shared ones given). */
export function mirrorTaskHarness(options: MirrorTaskHarnessOptions = {}): MirrorTaskHarness {
  const kafka = options.fakes ?? new FakeKafka(options.kafka);
  const store = new FakeProgressStore(options.progressTopic);
  const telemetry = new FakeTelemetry();
  const clock = options.clock ?? new ManualClock();
  const lines: CapturedLine[] = [];
  const settings = testFlowSettings(options.settings);
  const clients = { ...kafka.clients(), createMembership: options.group?.factory() };
  const task = new MirrorTask({ settings, store, telemetry, logger: capturingLogger(lines), clients, clock: clock.now, listener: options.listener, provenance: options.provenance });
  const events = (event: string) => lines.filter((l) => l.event === event);
  return {
    kafka,
    store,
    telemetry,
    clock,
    lines,
    settings,
    task,
    events,
    waitForEvent: (event) => waitFor(() => events(event)[0], { timeoutMs: 5000, intervalMs: 5, message: `log event ${event}` }),
    waitForRemote: (topic, partition, count) =>
      waitFor(() => (kafka.target.values(`primary.${topic}`, partition).length >= count ? kafka.target.values(`primary.${topic}`, partition) : undefined), {
        timeoutMs: 5000,
        intervalMs: 5,
        message: `${count} records in primary.${topic}-${partition}`,
      }),
  };
}

/** `count` values `<topicId>:<offset>` from offset `from`: what a remote partition holds of one incarnation. */
export function valuesOf(topicId: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${topicId}:${from + i}`);
}
