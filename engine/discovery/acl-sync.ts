/**
 * Periodic ACL sync of one flow, as MM2's `MirrorSourceConnector.syncTopicAcls`: at start and every
 * `sync.topic.acls.interval.seconds` (600), the source's TOPIC ACLs — and with our
 * `sync.group.acls.enabled` its GROUP ACLs — are mapped onto the target (engine/discovery/acl-plan.ts
 * decides which and how) and the missing ones created there. Off with `sync.topic.acls.enabled=false`.
 *
 * Differences from MM2, on purpose: only bindings the target lacks are sent (MM2 re-sends every binding
 * each interval), each pass that creates something logs one info line listing them; PREFIXED patterns,
 * the `*` wildcard and group ACLs are synced too (acl-plan.ts). Like MM2: a source without an authorizer
 * is reported once at info and skipped; nothing is ever deleted on the target; a failed pass (e.g. the
 * engine's principal lacks DESCRIBE on the source cluster or ALTER on the target cluster) is logged
 * (warn) and retried at the next interval — it never stops the flow.
 */
import type { Logger } from '../core/logger.ts';
import type { ClusterClientSettings } from '../kafka/kafka-clients.ts';
import { MirrorError } from '../core/errors.ts';
import { AclAdmin, formatAclBinding, type AclBinding, type AclResourceType } from '../kafka/acls.ts';
import { planAclSync, type AclPlanSettings } from './acl-plan.ts';
import { PeriodicPass } from './periodic-pass.ts';

/** What the sync needs from a flow's config (FlowConfig satisfies it). Durations in ms. */
export interface AclSyncSettings extends AclPlanSettings {
  /** Flow name, e.g. `primary->standby`. */
  name: string;
  targetAlias: string;
  source: ClusterClientSettings;
  target: ClusterClientSettings;
  syncTopicAclsEnabled: boolean;
  /** `sync.topic.acls.interval.seconds` × 1000. */
  syncTopicAclsIntervalMs: number;
  syncGroupAclsEnabled: boolean;
}

/** The ACL calls the sync makes on one cluster (engine/kafka/acls.ts AclAdmin). */
export interface AclPort {
  /** Bindings of one resource type; undefined when the cluster has no authorizer. */
  describeAcls(resourceType: AclResourceType): Promise<AclBinding[] | undefined>;
  /** Creates bindings; resolves with those that failed. */
  createAcls(bindings: readonly AclBinding[]): Promise<{ binding: AclBinding; error: MirrorError }[]>;
  close(): Promise<void>;
}

/** Outcome of one pass. `skipped: 'no-authorizer'` when a cluster has none (nothing was compared). */
export interface AclSyncPass {
  /** Source bindings read (TOPIC, plus GROUP when enabled). */
  source: number;
  created: AclBinding[];
  failed: AclBinding[];
  /** Target bindings the plan found already there. */
  present: number;
  skipped?: 'no-authorizer-on-source' | 'no-authorizer-on-target';
}

/** Syncs the ACLs of one flow. `start()` schedules passes (first at once), `stop()` ends them; {@link syncOnce} runs one. */
export class AclSync {
  private readonly settings: AclSyncSettings;
  private readonly source: AclPort;
  private readonly target: AclPort;
  private readonly log: Logger;
  private readonly passes: PeriodicPass;
  private noAuthorizerReported = false;

  constructor(options: { settings: AclSyncSettings; source: AclPort; target: AclPort; logger: Logger }) {
    this.settings = options.settings;
    this.passes = new PeriodicPass(this.settings.syncTopicAclsIntervalMs, () => this.runPass());
    this.source = options.source;
    this.target = options.target;
    this.log = options.logger.child({ component: 'acl-sync', flow: options.settings.name });
  }

  /** A sync over kafkajs admin clients of the flow's clusters. */
  static forFlow(settings: AclSyncSettings, logger: Logger): AclSync {
    const clientId = (side: string) => `kafka-mirror-${settings.name}-${side}-acls`;
    return new AclSync({ settings, source: new AclAdmin(settings.source, clientId('source')), target: new AclAdmin(settings.target, clientId('target')), logger });
  }

  /** Schedules passes: one now, then one every `syncTopicAclsIntervalMs` from the start of the previous. No-op when disabled or stopped. */
  start(): void {
    if (!this.settings.syncTopicAclsEnabled || this.passes.stopped || this.passes.active) return;
    this.log.info(
      { event: 'acl_sync_started', intervalMs: this.settings.syncTopicAclsIntervalMs, groupAcls: this.settings.syncGroupAclsEnabled },
      `ACL sync of ${this.settings.name} every ${this.settings.syncTopicAclsIntervalMs} ms (topic${this.settings.syncGroupAclsEnabled ? ' and group' : ''} ACLs)`,
    );
    this.passes.start();
  }

  /**
   * Stops scheduling, closes the clients (a pass in progress then ends soon) and waits up to `graceMs`
   * for it: against a cluster that is down a pass can sit in the client's connection retries, and an
   * ACL pass left unfinished is simply redone by the next engine. Idempotent.
   */
  async stop(graceMs = 2000): Promise<void> {
    const stopping = this.passes.stop(graceMs);
    await this.closeClients();
    await stopping;
    await this.closeClients();
  }

  /** One pass (module doc). Throws MirrorError when a cluster cannot be read; per-binding create failures are logged and returned. */
  async syncOnce(): Promise<AclSyncPass> {
    const t0 = Date.now();
    const s = this.settings;
    const types: AclResourceType[] = s.syncGroupAclsEnabled ? ['TOPIC', 'GROUP'] : ['TOPIC'];
    const source = await this.describeAll(this.source, types);
    if (!source) return this.noAuthorizer('source', s.source.alias);
    const target = await this.describeAll(this.target, types);
    if (!target) return this.noAuthorizer('target', s.target.alias);
    const plan = planAclSync(source, target, s);
    const pass: AclSyncPass = { source: source.length, created: [], failed: [], present: plan.present };
    if (plan.create.length > 0 && !this.passes.stopped) {
      const failures = await this.target.createAcls(plan.create.map((p) => p.binding));
      const failed = new Set(failures.map((f) => f.binding));
      for (const f of failures) {
        this.log.warn({ event: 'acl_sync_create_failed', acl: formatAclBinding(f.binding), err: f.error.message }, `Could not create ACL ${formatAclBinding(f.binding)} on ${s.targetAlias}: ${f.error.message}`);
      }
      pass.failed = plan.create.map((p) => p.binding).filter((b) => failed.has(b));
      pass.created = plan.create.map((p) => p.binding).filter((b) => !failed.has(b));
      if (pass.created.length > 0) {
        this.log.info(
          { event: 'acls_synced', created: pass.created.map(formatAclBinding), present: plan.present, durationMs: Date.now() - t0 },
          `Created ${pass.created.length} ACLs on ${s.targetAlias} from ${s.sourceAlias}: ${pass.created.map(formatAclBinding).join('; ')}`,
        );
      }
    }
    this.log.debug({ event: 'acl_sync_pass', source: pass.source, created: pass.created.length, failed: pass.failed.length, present: pass.present, skipped: plan.skipped.length, durationMs: Date.now() - t0 }, 'ACL sync pass');
    return pass;
  }

  private async describeAll(port: AclPort, types: readonly AclResourceType[]): Promise<AclBinding[] | undefined> {
    const out: AclBinding[] = [];
    for (const t of types) {
      const bindings = await port.describeAcls(t);
      if (!bindings) return undefined;
      out.push(...bindings);
    }
    return out;
  }

  /** MM2's message for a source without an authorizer (once), ours for the target. */
  private noAuthorizer(side: 'source' | 'target', alias: string): AclSyncPass {
    if (!this.noAuthorizerReported) {
      this.noAuthorizerReported = true;
      const hint = "Consider disabling topic ACL syncing by setting 'sync.topic.acls.enabled' to 'false'";
      this.log.info({ event: 'acl_sync_no_authorizer', cluster: alias, side }, `No ACL authorizer is configured on the ${side} cluster ${alias}, so no ACL syncing will take place. ${hint}`);
    }
    return { source: 0, created: [], failed: [], present: 0, skipped: side === 'source' ? 'no-authorizer-on-source' : 'no-authorizer-on-target' };
  }

  private async runPass(): Promise<void> {
    try {
      await this.syncOnce();
    } catch (err) {
      if (this.passes.stopped) return;
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn(
        { event: 'acl_sync_failed', code: err instanceof MirrorError ? err.code : undefined, err: message },
        `ACL sync of ${this.settings.name} failed (retried in ${this.settings.syncTopicAclsIntervalMs} ms): ${message}`,
      );
    } finally {
      // One pass per connection, as the topic-config sync: the default interval is the brokers' idle timeout.
      await this.closeClients();
    }
  }

  private async closeClients(): Promise<void> {
    await Promise.all([this.source.close(), this.target.close()]);
  }
}
