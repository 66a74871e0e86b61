/**
 * A pass that runs now and then every `intervalMs` measured from the start of the previous one, never
 * two at once — how MM2's connectors schedule their periodic syncs (`Scheduler.scheduleRepeating`). Used
 * by the topic-config sync and the ACL sync. The pass handles its own errors (it must not throw).
 */
export class PeriodicPass {
  private readonly intervalMs: number;
  private readonly run: () => Promise<void>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stoppedFlag = false;

  /** `intervalMs`: time between pass starts, ms (≤ 2^31−1, validated by the config). */
  constructor(intervalMs: number, run: () => Promise<void>) {
    this.intervalMs = intervalMs;
    this.run = run;
  }

  /** Whether {@link stop} was called: a pass in progress checks it to end early. */
  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Whether passes are scheduled or one is running. */
  get active(): boolean {
    return this.timer !== undefined || this.running !== undefined;
  }

  /** Schedules the first pass at once. No-op once stopped or when already active. */
  start(): void {
    if (!this.stoppedFlag && !this.active) this.schedule(0);
  }

  /**
   * Stops scheduling and waits for a pass in progress — at most `graceMs` when given (a pass stuck in a
   * down cluster's connection retries is then left to end on its own). Idempotent.
   */
  async stop(graceMs?: number): Promise<void> {
    this.stoppedFlag = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (graceMs === undefined) return void (await this.running);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const startedAt = Date.now();
      this.running = this.run().finally(() => {
        this.running = undefined;
        if (!this.stoppedFlag) this.schedule(Math.max(0, this.intervalMs - (Date.now() - startedAt)));
      });
    }, delayMs);
    this.timer.unref();
  }
}
