import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFIG_SOURCE, type TopicConfigEntry } from '../kafka/topic-configs.ts';
import { compilePatternList } from '../config/topic-filter.ts';
import { CONFIG_PROPERTIES_EXCLUDE_DEFAULT } from '../config/config-values.ts';
import { createTopicConfigs, planChanges, planTopicConfigs, type TopicConfigPolicy, type UseDefaultsFrom } from './topic-config-plan.ts';

const { DYNAMIC_TOPIC_CONFIG: TOPIC, DYNAMIC_DEFAULT_BROKER_CONFIG: DYN_DEFAULT, STATIC_BROKER_CONFIG: STATIC, DEFAULT_CONFIG: DEFAULT } = CONFIG_SOURCE;

/** Kafka's built-in defaults of the configs these tests use (as DescribeConfigs reports them). */
const DEFAULTS: Record<string, string> = {
  'retention.ms': '604800000',
  'cleanup.policy': 'delete',
  'segment.ms': '604800000',
  'max.message.bytes': '1048588',
  'min.insync.replicas': '1',
};

/** A DescribeConfigs answer: every config at its default except `overrides` (topic level) and `others` (any source). */
function described(overrides: Record<string, string> = {}, others: Partial<TopicConfigEntry>[] = []): TopicConfigEntry[] {
  const entries = new Map<string, TopicConfigEntry>();
  for (const [name, value] of Object.entries(DEFAULTS)) entries.set(name, { name, value, source: DEFAULT, readOnly: false, sensitive: false });
  for (const [name, value] of Object.entries(overrides)) entries.set(name, { name, value, source: TOPIC, readOnly: false, sensitive: false });
  for (const o of others) entries.set(o.name!, { value: null, source: TOPIC, readOnly: false, sensitive: false, ...o } as TopicConfigEntry);
  return [...entries.values()];
}

const policy = (useDefaultsFrom: UseDefaultsFrom = 'target', exclude = CONFIG_PROPERTIES_EXCLUDE_DEFAULT): TopicConfigPolicy => ({
  exclude: compilePatternList('config.properties.exclude', exclude),
  useDefaultsFrom,
});

describe('planTopicConfigs (MM2 4.1.1 syncTopicConfigs decisions, as one full AlterConfigs set)', () => {
  it('sets a config changed on the source', () => {
    const plan = planTopicConfigs(described({ 'retention.ms': '7200000' }), described({ 'retention.ms': '3600000' }), policy());
    expect(plan).toEqual({ desired: { 'retention.ms': '7200000' }, set: { 'retention.ms': '7200000' }, deleted: [], unpreservable: [] });
  });

  it('puts a synced key edited on the target back to the source value', () => {
    const plan = planTopicConfigs(described({ 'retention.ms': '7200000' }), described({ 'retention.ms': '1000' }), policy());
    expect(plan.set).toEqual({ 'retention.ms': '7200000' });
  });

  it('removes the override of a config deleted on the source (use.defaults.from=target: the target default applies)', () => {
    const plan = planTopicConfigs(described({}), described({ 'retention.ms': '7200000', 'max.message.bytes': '2000000' }), policy());
    expect(plan).toEqual({ desired: {}, set: {}, deleted: ['max.message.bytes', 'retention.ms'], unpreservable: [] });
  });

  it('copies the source default when use.defaults.from=source (MM2 SETs it)', () => {
    const plan = planTopicConfigs(described({}), described({ 'retention.ms': '7200000' }), policy('source'));
    expect(plan.set['retention.ms']).toBe('604800000');
    expect(plan.set['cleanup.policy']).toBe('delete');
    expect(plan.desired).not.toHaveProperty('min.insync.replicas'); // excluded by default
    expect(plan.deleted).toEqual([]);
  });

  it('never touches an excluded key: source value not copied, target override kept', () => {
    const plan = planTopicConfigs(
      described({ 'min.insync.replicas': '2', 'segment.ms': '1000' }),
      described({ 'min.insync.replicas': '1', 'segment.ms': '555' }),
      policy('target', 'min\\.insync\\.replicas, segment\\.ms'),
    );
    expect(plan).toEqual({ desired: { 'min.insync.replicas': '1', 'segment.ms': '555' }, set: {}, deleted: [], unpreservable: [] });
  });

  it('keeps target overrides of keys MM2 leaves alone: static on the source broker, unknown to the source', () => {
    const source = described({}, [{ name: 'segment.ms', value: '3600000', source: STATIC }]);
    const target = described({ 'segment.ms': '555' }, [{ name: 'new.4x.config', value: 'x' }]);
    expect(planTopicConfigs(source, target, policy())).toEqual({ desired: { 'segment.ms': '555', 'new.4x.config': 'x' }, set: {}, deleted: [], unpreservable: [] });
  });

  it('sets a config that comes from a dynamic broker config of the source (not a default to MM2)', () => {
    const plan = planTopicConfigs(described({}, [{ name: 'retention.ms', value: '86400000', source: DYN_DEFAULT }]), described({}), policy());
    expect(plan.set).toEqual({ 'retention.ms': '86400000' });
  });

  it('skips sensitive and read-only source configs', () => {
    const source = described({}, [{ name: 'secret.thing', value: null, sensitive: true }, { name: 'ro.thing', value: 'v', readOnly: true }]);
    expect(planChanges(planTopicConfigs(source, described({}), policy()))).toEqual([]);
  });

  it('reports a sensitive target override it would have to keep but cannot read back', () => {
    const plan = planTopicConfigs(described({ 'retention.ms': '1' }), described({}, [{ name: 'secret.thing', value: null, sensitive: true }]), policy());
    expect(plan.unpreservable).toEqual(['secret.thing']);
    expect(plan.deleted).toEqual([]);
  });

  it('plans nothing when the remote topic already matches', () => {
    const plan = planTopicConfigs(described({ 'retention.ms': '1', 'cleanup.policy': 'compact' }), described({ 'retention.ms': '1', 'cleanup.policy': 'compact' }), policy());
    expect(planChanges(plan)).toEqual([]);
  });

  it('creates remote topics with the non-default managed configs (all managed ones with use.defaults.from=source)', () => {
    const source = described({ 'retention.ms': '1', 'min.insync.replicas': '2' }, [{ name: 'segment.ms', value: '9', source: STATIC }]);
    expect(createTopicConfigs(source, policy())).toEqual({ 'retention.ms': '1' });
    expect(createTopicConfigs(source, policy('source'))).toEqual({ 'retention.ms': '1', 'cleanup.policy': 'delete', 'max.message.bytes': '1048588' });
  });
});

describe('planTopicConfigs properties', () => {
  const names = ['retention.ms', 'cleanup.policy', 'segment.ms', 'max.message.bytes', 'min.insync.replicas', 'x.unknown'];
  const entry = (name: string) =>
    fc.record({
      name: fc.constant(name),
      value: fc.oneof(fc.constantFrom('1', '2', '3'), fc.constant(null)),
      source: fc.constantFrom(TOPIC, CONFIG_SOURCE.DYNAMIC_BROKER_CONFIG, DYN_DEFAULT, STATIC, DEFAULT),
      readOnly: fc.boolean(),
      sensitive: fc.boolean(),
    }).map((e): TopicConfigEntry => ({ ...e, value: e.sensitive ? null : (e.value ?? '0') }));
  const entries = fc.subarray(names).chain((ns) => fc.tuple(...ns.map(entry)));
  const arbPolicy = fc.record({
    useDefaultsFrom: fc.constantFrom<UseDefaultsFrom>('target', 'source'),
    exclude: fc.subarray(['segment\\.ms', 'min\\.insync\\.replicas', 'x\\..*']).map((l) => compilePatternList('config.properties.exclude', l.join(','))),
  });
  const overridesOf = (es: readonly TopicConfigEntry[]) => new Map(es.filter((e) => e.source === TOPIC).map((e) => [e.name, e.value]));
  /** The remote topic after AlterConfigs wrote `desired` (only topic-level entries matter to the next plan). */
  const applied = (desired: Record<string, string>): TopicConfigEntry[] =>
    Object.entries(desired).map(([name, value]) => ({ name, value, source: TOPIC, readOnly: false, sensitive: false }));
  const params = { seed: 20261130, numRuns: 500 };

  it('is idempotent: after writing the desired set, the next plan changes nothing', () => {
    fc.assert(
      fc.property(entries, entries, arbPolicy, (source, target, p) => {
        const plan = planTopicConfigs(source, target, p);
        fc.pre(plan.unpreservable.length === 0);
        expect(planChanges(planTopicConfigs(source, applied(plan.desired), p))).toEqual([]);
      }),
      params,
    );
  });

  it('set and deleted are exactly the difference between the current overrides and the desired set', () => {
    fc.assert(
      fc.property(entries, entries, arbPolicy, (source, target, p) => {
        const plan = planTopicConfigs(source, target, p);
        const current = overridesOf(target);
        for (const [k, v] of Object.entries(plan.desired)) expect(current.get(k) === v).toBe(!(k in plan.set));
        for (const k of current.keys()) expect(plan.deleted.includes(k)).toBe(!(k in plan.desired) && !plan.unpreservable.includes(k));
      }),
      params,
    );
  });

  it('an excluded key keeps its target override exactly; a managed key follows the source', () => {
    fc.assert(
      fc.property(entries, entries, arbPolicy, (source, target, p) => {
        const plan = planTopicConfigs(source, target, p);
        const current = overridesOf(target);
        for (const name of names) {
          const excluded = p.exclude.some((re) => re.test(name));
          const s = source.find((e) => e.name === name);
          const managedOnSource = s && !s.readOnly && !s.sensitive && s.source !== STATIC && !excluded;
          if (!managedOnSource) {
            const kept = current.get(name);
            if (kept === undefined) expect(plan.desired).not.toHaveProperty(name);
            else if (kept !== null) expect(plan.desired[name]).toBe(kept);
          } else if (s.source === DEFAULT && p.useDefaultsFrom === 'target') {
            expect(plan.desired).not.toHaveProperty(name);
          } else {
            expect(plan.desired[name]).toBe(s.value);
          }
        }
      }),
      params,
    );
  });
});
