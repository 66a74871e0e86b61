/**
 * Which topic-level configs a remote topic should carry, decided from its source topic's configs the
 * way MM2 4.1.1 decides (`MirrorSourceConnector.targetConfig` + `incrementalAlterConfigs`,
 * `DefaultConfigPropertyFilter`, KIP-894):
 *
 * - a source config is *managed* unless it is read-only, sensitive, comes from the source broker's
 *   server.properties (STATIC_BROKER_CONFIG) or matches `config.properties.exclude`;
 * - a managed config at Kafka's built-in default on the source (DEFAULT_CONFIG, Java's
 *   `ConfigEntry.isDefault()`) is removed from the remote topic with `use.defaults.from=target`
 *   (MM2's default: the target cluster's defaults apply) and copied with `use.defaults.from=source`;
 * - every other managed config is set to the source's value (a topic override, or a dynamic broker
 *   config of the source cluster);
 * - everything else on the remote topic is left as it is.
 *
 * MM2 sends that as IncrementalAlterConfigs SET/DELETE ops. kafkajs only has the non-incremental
 * AlterConfigs, which replaces all of a topic's overrides, so the plan is the complete desired set:
 * the managed decisions plus the remote topic's current overrides of unmanaged keys, preserved.
 * Pure: no I/O, no clock.
 */
import { CONFIG_SOURCE, type TopicConfigEntry } from '../kafka/topic-configs.ts';

/** MM2's `use.defaults.from`: whose defaults a config at its default on the source ends up with. */
export type UseDefaultsFrom = 'target' | 'source';

/** MM2 4.x default of `use.defaults.from` (DefaultConfigPropertyFilter.USE_DEFAULTS_FROM_DEFAULT). */
export const USE_DEFAULTS_FROM_DEFAULT: UseDefaultsFrom = 'target';

/** The flow's config-sync policy. */
export interface TopicConfigPolicy {
  /** `config.properties.exclude`, anchored regexes (engine/config/topic-filter.ts compilePatternList). */
  exclude: readonly RegExp[];
  useDefaultsFrom: UseDefaultsFrom;
}

/** What to write to one remote topic. */
export interface TopicConfigPlan {
  /** The complete set of topic-level overrides the remote topic should carry afterwards (name → value). */
  desired: Record<string, string>;
  /** Overrides the write adds or changes: name → new value. */
  set: Record<string, string>;
  /** Overrides the write removes (the key falls back to the target cluster's default). Sorted. */
  deleted: string[];
  /**
   * Overrides of the remote topic that must be kept but whose value DescribeConfigs hides
   * (sensitive): a full replace would drop them, so the topic must not be written. Sorted.
   */
  unpreservable: string[];
}

/** Whether MM2 would sync this source config at all (`targetConfig`'s filters, in MM2's order). */
function managed(entry: TopicConfigEntry, exclude: readonly RegExp[]): boolean {
  if (entry.readOnly || entry.sensitive || entry.source === CONFIG_SOURCE.STATIC_BROKER_CONFIG) return false;
  return !exclude.some((re) => re.test(entry.name));
}

/**
 * The overrides a remote topic created now gets (MM2 `createNewTopics` → `targetConfig(…, false)`):
 * managed source configs that are not at their default, plus those at their default when
 * `use.defaults.from=source`. Map name → value.
 */
export function createTopicConfigs(source: readonly TopicConfigEntry[], policy: TopicConfigPolicy): Record<string, string> {
  return planTopicConfigs(source, [], policy).desired;
}

/**
 * The plan that brings a remote topic's overrides (`target`: its DescribeConfigs entries, all sources)
 * in line with its source topic's configs (`source`: DescribeConfigs entries, all sources).
 * Nothing to write when `set` is empty and `deleted` is empty (see {@link planChanges}).
 */
export function planTopicConfigs(source: readonly TopicConfigEntry[], target: readonly TopicConfigEntry[], policy: TopicConfigPolicy): TopicConfigPlan {
  const desired: Record<string, string> = {};
  const decided = new Set<string>();
  for (const entry of source) {
    if (!managed(entry, policy.exclude)) continue;
    const atDefault = entry.source === CONFIG_SOURCE.DEFAULT_CONFIG;
    if (atDefault && policy.useDefaultsFrom === 'target') {
      decided.add(entry.name); // MM2: DELETE → the target's default applies
    } else if (entry.value !== null) {
      decided.add(entry.name); // MM2: SET the source's value
      desired[entry.name] = entry.value;
    }
  }
  const current = new Map<string, string | null>();
  for (const entry of target) if (entry.source === CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG) current.set(entry.name, entry.value);
  const unpreservable: string[] = [];
  for (const [name, value] of current) {
    if (decided.has(name)) continue;
    // Not managed (excluded, static on the source, unknown to the source's broker): kept as it is.
    if (value === null) unpreservable.push(name);
    else desired[name] = value;
  }
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(desired)) if (current.get(name) !== value) set[name] = value;
  const deleted = [...current.keys()].filter((name) => !Object.hasOwn(desired, name) && !unpreservable.includes(name)).sort();
  return { desired, set, deleted, unpreservable: unpreservable.sort() };
}

/** Names of the overrides a plan changes (set or deleted), sorted; empty when nothing needs writing. */
export function planChanges(plan: TopicConfigPlan): string[] {
  return [...Object.keys(plan.set), ...plan.deleted].sort();
}
