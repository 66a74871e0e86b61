/**
 * The engine's partition events — truncations, topic resets, divergences, missing or removed topics — as
 * `/status`, `/metrics` and the dashboard show them. Fed from the engine's own JSON log lines (their
 * `event` field is a stable contract: README "Log events"), through the logger's `streamWrite` hook
 * ({@link EventJournal.tap}), so the detectors need no second reporting channel and the journal says
 * exactly what the log says. Lines below the logger's level are not seen: at `warn` or above, the info
 * events (`topic_reset_handling`, `topic_reset_recovered`) are missing; at the default `info` nothing is.
 *
 * Keeps the last {@link MAX_EVENTS} events and running totals per partition (truncation events, records
 * lost, topic resets) that never drop.
 */

/** Log `event` values the journal keeps, and how each is shown. */
export const JOURNALED_EVENTS = {
  log_truncation_detected: { kind: 'truncation', severity: 'critical' },
  truncation_gap_skipped: { kind: 'truncation', severity: 'warn' },
  log_divergence_detected: { kind: 'divergence', severity: 'error' },
  topic_reset_detected: { kind: 'reset', severity: 'warn' },
  topic_reset_handling: { kind: 'reset', severity: 'info' },
  topic_reset_recovered: { kind: 'reset', severity: 'info' },
  topic_missing: { kind: 'topic', severity: 'warn' },
  partition_removed: { kind: 'topic', severity: 'warn' },
} as const;

/** One of the journaled log events. */
export type JournaledEvent = keyof typeof JOURNALED_EVENTS;

/** How many events the journal keeps (older ones drop; totals do not). */
export const MAX_EVENTS = 200;

/** Fields of a log line that are context, not evidence. */
const CONTEXT_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'event', 'component', 'flow', 'task', 'topic', 'partition']);

/** One partition event: what happened, where, when, and the evidence the log line carried. */
export interface EngineEvent {
  /** Log `event` field, e.g. `log_truncation_detected`. */
  event: JournaledEvent;
  kind: (typeof JOURNALED_EVENTS)[JournaledEvent]['kind'];
  /** The log line's level label (`critical`, `error`, `warn`, `info`), else the event's usual one. */
  severity: string;
  /** ISO-8601 time of the log line. */
  time: string;
  /** Flow (`primary->standby`), source topic and partition (undefined when the line names none). */
  flow: string | undefined;
  topic: string | undefined;
  partition: number | undefined;
  /** The log message. */
  message: string;
  /** Evidence fields of the line (expectedOffset, logStartOffset, gap, oldTopicId, newTopicId, recoveryMs, …). */
  evidence: Record<string, unknown>;
}

/** Running totals of one partition (source topic). */
export interface PartitionEventTotals {
  flow: string;
  topic: string;
  partition: number;
  /** `log_truncation_detected` lines. */
  truncations: number;
  /** Sum of their `gap` (records deleted on the source before they were mirrored). */
  lostRecords: number;
  /** `topic_reset_detected` lines. */
  topicResets: number;
  /** `log_divergence_detected` lines. */
  divergences: number;
}

/** What a journal holds, as plain data (crosses the task → supervisor IPC channel). */
export interface EventJournalSnapshot {
  events: EngineEvent[];
  totals: PartitionEventTotals[];
}

/** The journal. Create one per process, pass {@link tap} to the root logger's `streamWrite` hook. */
export class EventJournal {
  private readonly events: EngineEvent[] = [];
  private readonly totals = new Map<string, PartitionEventTotals>();

  /** A pino `hooks.streamWrite` function: looks at each serialized line, returns it unchanged. */
  readonly tap = (line: string): string => {
    // Cheap pre-check: only lines with an event field are parsed (a few per minute at most).
    if (line.includes('"event":"')) {
      try {
        this.add(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* not one JSON object: not ours to judge */
      }
    }
    return line;
  };

  /** Adds one parsed log line; ignores lines whose `event` is not journaled. */
  add(line: Record<string, unknown>): void {
    const name = line.event;
    if (typeof name !== 'string' || !Object.hasOwn(JOURNALED_EVENTS, name)) return;
    const event = name as JournaledEvent;
    const evidence: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(line)) if (!CONTEXT_FIELDS.has(k)) evidence[k] = v;
    const e: EngineEvent = {
      event,
      kind: JOURNALED_EVENTS[event].kind,
      severity: typeof line.level === 'string' ? line.level : JOURNALED_EVENTS[event].severity,
      time: typeof line.time === 'string' ? line.time : new Date(typeof line.time === 'number' ? line.time : Date.now()).toISOString(),
      flow: typeof line.flow === 'string' ? line.flow : undefined,
      topic: typeof line.topic === 'string' ? line.topic : undefined,
      partition: typeof line.partition === 'number' ? line.partition : undefined,
      message: typeof line.msg === 'string' ? line.msg : event,
      evidence,
    };
    this.events.push(e);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    if (e.topic === undefined || e.partition === undefined) return;
    const key = `${e.flow ?? ''}\u0000${e.topic}\u0000${e.partition}`;
    let t = this.totals.get(key);
    if (t === undefined) {
      t = { flow: e.flow ?? '', topic: e.topic, partition: e.partition, truncations: 0, lostRecords: 0, topicResets: 0, divergences: 0 };
      this.totals.set(key, t);
    }
    if (event === 'log_truncation_detected') {
      t.truncations++;
      t.lostRecords += typeof evidence.gap === 'number' ? evidence.gap : 0;
    } else if (event === 'topic_reset_detected') t.topicResets++;
    else if (event === 'log_divergence_detected') t.divergences++;
  }

  /** The kept events (oldest first) and the totals, copied. */
  snapshot(): EventJournalSnapshot {
    return { events: this.events.map((e) => ({ ...e })), totals: [...this.totals.values()].map((t) => ({ ...t })) };
  }
}
