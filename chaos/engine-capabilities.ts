/**
 * What the engine under test can do, probed through its own config parser (engine/config via the public
 * `parseMirrorConfig`) rather than assumed: the chaos harness and scenario test5 switch their shape on it.
 *
 * - exactly-once: the engine accepts MM2's `exactly.once.source.support = enabled` (KIP-618's worker key)
 *   — parsing succeeds and no warning names the key (unknown keys only warn, engine/config/config.ts).
 * - membership (issue 15: several instances share a flow's partitions through a Kafka group): the engine
 *   accepts the membership key {@link MEMBERSHIP_KEY} (the flow's group id). Until it does, K > 1
 *   instances would each mirror every partition, so the harness runs K = 1.
 */
import { parseMirrorConfig, type FlowConfig } from '../engine/index.ts';

/** MM2's exactly-once key and the value that turns it on (KIP-618; MirrorMaker dedicated mode reads it). */
export const EXACTLY_ONCE_KEY = 'exactly.once.source.support';

/**
 * The flow-level key naming the Kafka group the instances of a flow join (issue 15: "Group id and
 * timeouts are mm2.properties keys with documented defaults"). Overridable with `--membership-key`;
 * the engine supports membership when it accepts this key.
 */
export const MEMBERSHIP_KEY = 'group.id';

const PROBE_BASE = [
  'clusters = primary, standby',
  'primary.bootstrap.servers = 127.0.0.1:1',
  'standby.bootstrap.servers = 127.0.0.1:2',
  'primary->standby.enabled = true',
];

/**
 * True when the engine's config parser accepts `key = value` at top level: no ConfigError and no warning
 * mentioning the key (an unknown key is only a warning). Pure; reads no file and contacts no cluster.
 */
export function engineAcceptsKey(key: string, value: string): boolean {
  try {
    const { warnings } = parseMirrorConfig([...PROBE_BASE, `${key} = ${value}`].join('\n'), { env: {} });
    return !warnings.some((w) => w.includes(`'${key}'`));
  } catch {
    return false;
  }
}

/** The engine's defaults for a flow (every key unset), as its config parser fills them. */
export function flowDefaults(): FlowConfig {
  return parseMirrorConfig(PROBE_BASE.join('\n'), { env: {} }).config.flows[0]!;
}

/** What the harness found the engine supports. */
export interface EngineCapabilities {
  exactlyOnce: boolean;
  membership: boolean;
  /** The membership key probed. */
  membershipKey: string;
}

/** Probes both capabilities; `membershipKey` defaults to {@link MEMBERSHIP_KEY}. */
export function probeCapabilities(membershipKey = MEMBERSHIP_KEY): EngineCapabilities {
  return { exactlyOnce: engineAcceptsKey(EXACTLY_ONCE_KEY, 'enabled'), membership: engineAcceptsKey(membershipKey, 'kafka-mirror-probe'), membershipKey };
}
