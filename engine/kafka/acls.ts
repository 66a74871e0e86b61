/**
 * ACL admin calls of one cluster through kafkajs 2.2.4: @confluentinc/kafka-javascript 1.10.1 has no
 * DescribeAcls / CreateAcls (its AdminClient and KafkaJS-compatible admin lack them). Versions negotiated
 * against Kafka 4.1.1, where KIP-896 removed v0 of both: kafkajs speaks v0–v1, the broker v1–3, so v1
 * (resource pattern types, KIP-290) is used — checked by test/acl-sync.int.test.ts on a StandardAuthorizer cluster.
 *
 * Bindings are Kafka's `AclBinding` (resource pattern + access control entry) with enum names as strings.
 * Errors: MirrorError (AUTH_FAILED when the principal may not describe or create ACLs — CLUSTER
 * DESCRIBE / ALTER — else KAFKA_ERROR) with the kafkajs error as `cause`; a cluster without an
 * authorizer answers SECURITY_DISABLED, reported as `undefined` by {@link AclAdmin.describeAcls}.
 */
import kafkajs, { type Admin } from 'kafkajs';
import type { ClusterClientSettings } from './kafka-clients.ts';
import { kafkajsConfig } from './kafkajs-config.ts';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';

// kafkajs is CommonJS; Node's ESM loader cannot see all its named exports.
const { Kafka, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

/** Resource types whose ACLs the engine reads and writes. */
export type AclResourceType = 'TOPIC' | 'GROUP';
/** Kafka's `AclOperation` names (clients/…/acl/AclOperation.java) that kafkajs knows. */
export type AclOperation = 'ALL' | 'READ' | 'WRITE' | 'CREATE' | 'DELETE' | 'ALTER' | 'DESCRIBE' | 'CLUSTER_ACTION' | 'DESCRIBE_CONFIGS' | 'ALTER_CONFIGS' | 'IDEMPOTENT_WRITE';
/** `PatternType` of a binding (MATCH and ANY exist only in filters). */
export type AclPatternType = 'LITERAL' | 'PREFIXED';
/** `AclPermissionType`. */
export type AclPermission = 'ALLOW' | 'DENY';

/** One ACL binding: on resources `resourceName` (exactly, or as a prefix) of `resourceType`, `principal` from `host` is allowed/denied `operation`. */
export interface AclBinding {
  readonly resourceType: AclResourceType;
  /** Topic or group name, a prefix (PREFIXED), or `*` (LITERAL wildcard: every resource of the type). */
  readonly resourceName: string;
  readonly patternType: AclPatternType;
  /** e.g. `User:alice`. */
  readonly principal: string;
  /** `*` or an IP address. */
  readonly host: string;
  readonly operation: AclOperation;
  readonly permission: AclPermission;
}

/** The name of `value` in one of kafkajs' enum objects (plain `{ NAME: number }` at runtime). */
const nameOf = <T extends string>(table: object, value: number): T | undefined => Object.entries(table).find(([, v]) => v === value)?.[0] as T | undefined;
const OPERATIONS = new Set<string>(['ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE']);

/** kafkajs' error type for a cluster without an authorizer. */
const SECURITY_DISABLED = 'SECURITY_DISABLED';
const AUTH_ERRORS = /AUTHORIZATION_FAILED|SASL_AUTHENTICATION_FAILED/;

function aclError(what: string, err: unknown): MirrorError {
  const e = err as { name?: string; type?: string; message?: string };
  const auth = e.name === 'KafkaJSSASLAuthenticationError' || AUTH_ERRORS.test(e.type ?? '');
  return new MirrorError(auth ? ERROR_CODES.AUTH_FAILED : ERROR_CODES.KAFKA_ERROR, `${what} failed: ${e.type ?? e.message ?? String(err)}`, { cause: err });
}

/** A binding in one line, as Kafka's kafka-acls.sh lists it (for logs). */
export function formatAclBinding(b: AclBinding): string {
  return `${b.resourceType}:${b.patternType}:${b.resourceName} ${b.permission} ${b.principal} ${b.operation} from ${b.host}`;
}

/** The ACL calls of one cluster. Connects lazily; after a failed call the next one reconnects. {@link close} when done. */
export class AclAdmin {
  readonly cluster: ClusterClientSettings;
  private readonly clientId: string;
  private admin: Promise<Admin> | undefined;

  constructor(cluster: ClusterClientSettings, clientId: string) {
    this.cluster = cluster;
    this.clientId = clientId;
  }

  /**
   * Every binding on resources of `resourceType` (any name, pattern, principal, host, operation and
   * permission). `undefined` when the cluster has no authorizer (SECURITY_DISABLED). Bindings with an
   * operation kafkajs does not know (CREATE_TOKENS, DESCRIBE_TOKENS) are left out.
   */
  async describeAcls(resourceType: AclResourceType): Promise<AclBinding[] | undefined> {
    let response;
    try {
      response = await this.call((admin) =>
        admin.describeAcls({
          resourceType: AclResourceTypes[resourceType],
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        }),
      );
    } catch (err) {
      if ((err as { type?: string }).type === SECURITY_DISABLED) return undefined;
      throw aclError(`describing ${resourceType} ACLs of ${this.cluster.alias}`, err);
    }
    const out: AclBinding[] = [];
    for (const r of response.resources) {
      const patternType = nameOf<AclPatternType | 'UNKNOWN'>(ResourcePatternTypes, r.resourcePatternType);
      if (patternType !== 'LITERAL' && patternType !== 'PREFIXED') continue;
      for (const acl of r.acls) {
        const operation = nameOf<AclOperation>(AclOperationTypes, acl.operation);
        const permission = nameOf<AclPermission | 'UNKNOWN' | 'ANY'>(AclPermissionTypes, acl.permissionType);
        if (!operation || !OPERATIONS.has(operation) || (permission !== 'ALLOW' && permission !== 'DENY')) continue;
        out.push({ resourceType, resourceName: r.resourceName, patternType, principal: acl.principal, host: acl.host, operation, permission });
      }
    }
    return out;
  }

  /**
   * Creates `bindings` (creating one that exists is a no-op on the broker). Resolves with the bindings
   * that failed and why (one batch first; after a failure each binding alone, to tell which). Throws
   * MirrorError only when nothing could be sent (connection, authentication).
   */
  async createAcls(bindings: readonly AclBinding[]): Promise<{ binding: AclBinding; error: MirrorError }[]> {
    if (bindings.length === 0) return [];
    const entry = (b: AclBinding) => ({
      resourceType: AclResourceTypes[b.resourceType],
      resourceName: b.resourceName,
      resourcePatternType: ResourcePatternTypes[b.patternType],
      principal: b.principal,
      host: b.host,
      operation: AclOperationTypes[b.operation],
      permissionType: AclPermissionTypes[b.permission],
    });
    try {
      await this.call((admin) => admin.createAcls({ acl: bindings.map(entry) }));
      return [];
    } catch (err) {
      if ((err as { type?: string }).type === undefined) throw aclError(`creating ACLs on ${this.cluster.alias}`, err); // not a broker answer
    }
    const failed: { binding: AclBinding; error: MirrorError }[] = [];
    for (const b of bindings) {
      try {
        await this.call((admin) => admin.createAcls({ acl: [entry(b)] }));
      } catch (err) {
        failed.push({ binding: b, error: aclError(`creating ACL ${formatAclBinding(b)} on ${this.cluster.alias}`, err) });
      }
    }
    return failed;
  }

  /** Disconnects (idempotent). */
  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => undefined);
  }

  private async call<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = (this.admin ??= this.connect());
    try {
      return await fn(await admin);
    } catch (err) {
      if (this.admin === admin && (err as { type?: string }).type === undefined) await this.close();
      throw err;
    }
  }

  private async connect(): Promise<Admin> {
    const admin = new Kafka(kafkajsConfig(this.cluster, this.clientId)).admin();
    try {
      await admin.connect();
    } catch (err) {
      this.admin = undefined;
      throw err;
    }
    return admin;
  }
}
