/**
 * A producer load for crash, failover and rebalance tests: `p:seq` values (seq from 0 per partition)
 * round-robin over every partition of a topic, sent with acks=all by an idempotent kafkajs producer
 * until stopped, so the source holds exactly `p:0 … p:(sent[p]-1)` in order. And the shape check its
 * readers apply to a remote partition after a crash: the copy is a prefix of the source followed by
 * everything from a resume point on (DESIGN.md invariant 4).
 */
import type { Producer } from 'kafkajs';

/** Produces `p:seq` records round-robin over partitions until stopped. */
export class ContinuousLoad {
  /** Records sent (acknowledged by the source) per partition. */
  readonly sent: number[];
  private stopped = false;
  private failure: unknown;
  private readonly loop: Promise<void>;

  /**
   * Starts sending at once: `perPartitionPerSend` records to every partition per send, as fast as the
   * source acknowledges, or with `pauseMs` between sends (a steady, lower rate).
   */
  constructor(producer: Producer, topic: string, partitions: number, options: { perPartitionPerSend?: number; pauseMs?: number } = {}) {
    this.sent = Array.from({ length: partitions }, () => 0);
    this.loop = this.run(producer, topic, options.perPartitionPerSend ?? 25, options.pauseMs ?? 0);
  }

  private async run(producer: Producer, topic: string, perPartitionPerSend: number, pauseMs: number): Promise<void> {
    try {
      while (!this.stopped) {
        const messages = this.sent.flatMap((from, p) => Array.from({ length: perPartitionPerSend }, (_, i) => ({ partition: p, value: `${p}:${from + i}` })));
        await producer.send({ topic, acks: -1, messages });
        for (let p = 0; p < this.sent.length; p++) this.sent[p]! += perPartitionPerSend;
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs)); // rate control, not a wait for a condition
      }
    } catch (err) {
      this.failure = err;
    }
  }

  /** Records sent so far, all partitions. */
  get total(): number {
    return this.sent.reduce((a, b) => a + b, 0);
  }

  /** Stops after the send in progress; rethrows a send failure. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    if (this.failure) throw this.failure;
  }
}

/**
 * Splits a remote partition `r` against its source partition `s` (unique values) as
 * r = s[0..a) ++ s[b..n) with b ≤ a: `a` records copied before a crash or handover, then everything from
 * `b` on after it (a − b duplicates, none when a = b or a = n). Undefined for any other shape (loss,
 * reordering, foreign records).
 */
export function splitAtResume(s: readonly string[], r: readonly string[]): { a: number; b: number } | undefined {
  let a = 0;
  while (a < r.length && a < s.length && r[a] === s[a]) a++;
  const b = s.length - (r.length - a);
  if (b < 0 || b > a) return undefined;
  for (let i = a; i < r.length; i++) if (r[i] !== s[b + (i - a)]) return undefined;
  return { a, b };
}
