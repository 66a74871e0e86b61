/**
 * KIP-447 zombie fencing as the exactly-once mode uses it (engine/kafka/target-transactions.ts), on the
 * real target broker: a member frozen (SIGSTOP) past its session timeout while another member of the same
 * group takes its partition cannot commit the transaction it had open when it froze — its
 * `sendOffsetsToTransaction` with its stale group metadata is refused (or refused locally once librdkafka
 * marked the assignment lost) — and a read_committed reader never sees its record. With `KME_DATA_PATH=batches`
 * the zombie commits through the batch path's transactional producer (test/zombie-committer.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterReader, valuesOf } from '../testkit/cluster-reader.ts';
import { STANDBY, uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';
import { testDataPath } from '../testkit/data-path.ts';
import { groupMembershipFactory, silentLogger, type GroupMembership } from '../engine/testing.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

/** Kafka protocol codes a fenced zombie's TxnOffsetCommit gets (Errors.java). */
const FENCED_CODES = [22 /* ILLEGAL_GENERATION */, 25 /* UNKNOWN_MEMBER_ID */, 82 /* FENCED_INSTANCE_ID */];

/** Runs the zombie (test/zombie-committer.ts), freezes it until another member owns its partition, continues it; returns its commit line. */
async function zombieCommit(mode: 'engine' | 'broker-only'): Promise<Record<string, unknown>> {
    const target = await new ClusterReader(STANDBY).connect();
    cleanup.push(() => target.close());
    const topic = uniqueTopic('fence');
    const groupId = `${topic}-group`;
    await target.admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    cleanup.push(() => target.deleteTopicsIfPresent([topic]));

    // tsx's loader in this very process (no tsx wrapper process): SIGSTOP must freeze the member itself.
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx/esm', join(ROOT, 'test', 'zombie-committer.ts'), STANDBY, groupId, topic, `${topic}-txn`, mode], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
    cleanup.push(async () => void child.kill('SIGKILL'));
    const lines: Record<string, unknown>[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    const line = (event: string) => lines.find((l) => l.event === event);
    await waitFor(() => line('ready'), { timeoutMs: 60_000, message: 'the zombie to open its transaction' });

    child.kill('SIGSTOP');
    let taken!: () => void;
    const takenOver = new Promise<void>((r) => (taken = r));
    let other: GroupMembership | undefined;
    try {
      other = await groupMembershipFactory({ alias: 'standby', bootstrapServers: STANDBY, client: {}, consumer: {}, producer: {}, admin: {} }, 'new-owner', { groupId, protocol: 'classic', sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 }, silentLogger())({
        onAssigned: (partitions) => Promise.resolve(partitions.length > 0 ? taken() : undefined),
        onRevoked: () => Promise.resolve(),
        onFailure: () => undefined,
      });
      other.subscribe([topic]);
      await Promise.race([takenOver, new Promise((_, reject) => setTimeout(() => reject(new Error('the new member did not get the partition')), 40_000))]);
    } finally {
      child.kill('SIGCONT');
    }
    cleanup.push(() => other!.leave());
    const commit = await waitFor(() => line('commit'), { timeoutMs: 30_000, message: 'the zombie to try its commit' });
    const visible = valuesOf((await target.readAll(topic)).get(0));
    console.info(`[transaction-fencing] ${mode}: zombie frozen ${String(commit.gapMs)} ms, commit ${commit.ok ? 'ACCEPTED' : `refused: ${String(commit.message)}`}; read_committed sees ${JSON.stringify(visible)}`);
    return { ...commit, visible };
}

describe('zombie fencing of a transaction (KIP-447, group generation on the target)', () => {
  it('a member frozen past its session timeout cannot commit after another member took its partition; read_committed never sees its record', async () => {
    const commit = await zombieCommit('engine');
    expect(commit.ok, JSON.stringify(commit)).toBe(false);
    expect(commit.stage).toBe('send-offsets');
    if (commit.kafkaCode === undefined) expect(String(commit.message)).toMatch(/group membership was lost/);
    else expect(FENCED_CODES).toContain(commit.kafkaCode);
    expect(commit.visible).toEqual([]);
  });

  it('without the local lost check the group coordinator itself refuses the stale generation (ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID)', async () => {
    const commit = await zombieCommit('broker-only');
    expect(commit.ok, JSON.stringify(commit)).toBe(false);
    expect(commit.stage).toBe('send-offsets');
    expect(FENCED_CODES).toContain(commit.kafkaCode);
    // On the batch path the engine sends TxnOffsetCommit itself, with the member id and generation read from librdkafka's log.
    if (testDataPath() === 'batches') expect(String(commit.message)).toMatch(/TxnOffsetCommit as member \S+ of generation \d+/);
    expect(commit.visible).toEqual([]);
  });
});
