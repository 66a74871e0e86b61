/**
 * Periodic topic-config sync against the real local clusters (MM2's `sync.topic.configs.*`, 1 s
 * interval here): a config changed on the source reaches the remote topic, a synced key edited on the
 * target goes back to the source's value, a config deleted on the source returns to the target's
 * default, a remote topic that existed before the engine gets the source's configs, excluded keys are
 * never touched on the target, and nothing is written while nothing differs.
 * Configs are set and read with an independent kafkajs client (the test's, not the engine's).
 */
import kafkajs, { type Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { startEngine, type EngineHarness } from '../testkit/engine-harness.ts';
import type { EngineLogLine as LogLine } from '../testkit/engine-log.ts';
import { useMirrorFixture } from './mirror-fixture.ts';
import { uniqueTopic } from '../testkit/test-clusters.ts';
import { waitFor } from '../testkit/wait-for.ts';

const { ConfigResourceTypes } = kafkajs;
const remoteOf = (topic: string) => `primary.${topic}`;
const f = useMirrorFixture();

/** Makes `overrides` the complete set of `topic`'s topic-level configs (AlterConfigs replaces them all). */
async function setOverrides(admin: Admin, topic: string, overrides: Record<string, string>): Promise<void> {
  const configEntries = Object.entries(overrides).map(([name, value]) => ({ name, value }));
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries }] });
}

/** `topic`'s topic-level overrides on the target (configSource 1 = DYNAMIC_TOPIC_CONFIG), name → value. */
async function targetOverrides(topic: string): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const [name, e] of await f.target.topicConfigs(topic)) if (e.configSource === 1) out[name] = e.value;
  return out;
}

/** Waits until `topic`'s overrides on the target equal `expected` exactly; returns the ms it took. */
async function waitForTargetOverrides(topic: string, expected: Record<string, string>, message: string): Promise<number> {
  const t0 = Date.now();
  let last: Record<string, string | null> = {};
  await waitFor(
    async () => {
      last = await targetOverrides(topic);
      return JSON.stringify(sorted(last)) === JSON.stringify(sorted(expected));
    },
    { timeoutMs: 20_000, intervalMs: 200, message: `${message} (last ${JSON.stringify(last)})` },
  );
  return Date.now() - t0;
}

const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
const syncedLines = (e: EngineHarness, remote: string): LogLine[] => e.logs.filter((l) => l.event === 'topic_configs_synced' && l.remoteTopic === remote);
/** Waits until the engine has logged a `topic_configs_synced` line for `remote` that satisfies `match`. */
const waitForSyncedLine = (e: EngineHarness, remote: string, match: (l: LogLine) => boolean) =>
  waitFor(() => syncedLines(e, remote).some(match), { timeoutMs: 10_000, message: `a topic_configs_synced line for ${remote}` });
const passCount = (e: EngineHarness) => e.logs.filter((l) => l.event === 'topic_config_sync_pass').length;

describe('topic-config sync (sync.topic.configs.interval.seconds)', () => {
  it('keeps remote topic configs in line with the source, pre-existing remote topics included, excluded keys untouched', async () => {
    const prefix = uniqueTopic('cfgsync');
    const topic = `${prefix}-a`;
    const pre = `${prefix}-pre`;
    f.topics.push(topic, pre);
    await f.source.admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'segment.ms', value: '999999' }] },
        { topic: pre, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '5555555' }] },
      ],
    });
    // A remote topic that exists before the engine: one override the source lacks, one excluded.
    await f.target.admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: remoteOf(pre), numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: '2000000' }, { name: 'segment.ms', value: '777' }] }],
    });

    const engine = await startEngine(`^${prefix}-.*`, { 'sync.topic.configs.interval.seconds': 1, 'config.properties.exclude': 'segment.ms, min.insync.replicas' });
    f.engines.push(engine);

    // Created by discovery with the source's managed configs (segment.ms excluded).
    expect(await targetOverrides(remoteOf(topic))).toEqual({ 'retention.ms': '3600000' });
    // Pre-existing: gets retention.ms; max.message.bytes is at its default on the source, so MM2
    // (use.defaults.from=target) removes the override; the excluded segment.ms stays.
    await waitForTargetOverrides(remoteOf(pre), { 'retention.ms': '5555555', 'segment.ms': '777' }, 'the pre-existing remote topic to get the source configs');
    await waitForSyncedLine(engine, remoteOf(pre), () => true);
    expect(syncedLines(engine, remoteOf(pre))[0]).toMatchObject({ level: 'info', set: { 'retention.ms': '5555555' }, deleted: ['max.message.bytes'] });

    // 1. Changed on the source → reaches the remote topic.
    await setOverrides(f.source.admin, topic, { 'retention.ms': '7200000', 'segment.ms': '999999' });
    const changeMs = await waitForTargetOverrides(remoteOf(topic), { 'retention.ms': '7200000' }, 'the source change on the remote topic');
    // The engine logs after AlterConfigs returns, so the change can be visible before its line arrives.
    await waitForSyncedLine(engine, remoteOf(topic), (l) => (l.set as Record<string, string>)['retention.ms'] === '7200000');
    expect(syncedLines(engine, remoteOf(topic)).at(-1)).toMatchObject({
      level: 'info', topic, set: { 'retention.ms': '7200000' }, deleted: [], msg: `Synced configs of remote topic ${remoteOf(topic)}: retention.ms`,
    });

    // 2. A synced key edited on the target goes back; an excluded key set on the target stays.
    await setOverrides(f.target.admin, remoteOf(topic), { 'retention.ms': '1000', 'segment.ms': '123456' });
    const revertMs = await waitForTargetOverrides(remoteOf(topic), { 'retention.ms': '7200000', 'segment.ms': '123456' }, 'the target edit to be reverted');

    // 3. Deleted on the source → back to the target's default on the remote topic.
    await setOverrides(f.source.admin, topic, { 'segment.ms': '999999' });
    const deleteMs = await waitForTargetOverrides(remoteOf(topic), { 'segment.ms': '123456' }, 'the source deletion on the remote topic');
    expect((await f.target.topicConfigs(remoteOf(topic))).get('retention.ms')).toMatchObject({ isDefault: true, value: '604800000' });
    await waitForSyncedLine(engine, remoteOf(topic), (l) => JSON.stringify(l.deleted) === '["retention.ms"]');
    expect(syncedLines(engine, remoteOf(topic)).at(-1)).toMatchObject({ set: {}, deleted: ['retention.ms'] });

    // 4. Nothing differs → three more passes write nothing.
    const written = engine.logs.filter((l) => l.event === 'topic_configs_synced').length;
    const passes = passCount(engine);
    await waitFor(() => passCount(engine) >= passes + 3, { timeoutMs: 20_000, message: 'three more sync passes' });
    expect(engine.logs.filter((l) => l.event === 'topic_configs_synced')).toHaveLength(written);
    expect(await targetOverrides(remoteOf(topic))).toEqual({ 'segment.ms': '123456' });
    expect(engine.logs.filter((l) => l.event === 'topic_config_sync_failed' || l.event === 'topic_configs_write_failed')).toEqual([]);
    // Measured, for the report (each includes up to one 1 s interval plus the polling of this test).
    console.info(`topic-config sync: change ${changeMs} ms, revert ${revertMs} ms, delete ${deleteMs} ms`);
  });
});
