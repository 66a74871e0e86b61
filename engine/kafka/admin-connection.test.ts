/**
 * AdminConnection and its two views (KafkaAdmin, ConsumerGroups — the checkpoint path) against a fake
 * librdkafka admin client: the fast exit on authentication failure (MirrorError AUTH_FAILED, which the
 * CLI maps to exit 4, without waiting for the admin timeout), retries of retriable errors, and
 * `admin.timeout.ms` as the timeout of every request and of its retries.
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { AdminConnection, type AdminClientEvents, type AdminClientFactory } from './admin-connection.ts';
import { ConsumerGroups } from './consumer-groups.ts';
import { KafkaAdmin } from './kafka-admin.ts';
import { KAFKA_ERROR_CODES as K } from './error-codes.ts';

type Callback = (err: unknown, value?: unknown) => void;
/** What a fake method does with one request: answer through `cb`, or never (hang). */
type Behaviour = (cb: Callback, attempt: number) => void;

/** A fake rdkafka-style admin client: records every request (method and arguments), answers as told. */
class FakeAdminClient {
  events!: AdminClientEvents;
  config: Record<string, unknown> = {};
  readonly requests: { method: string; args: unknown[] }[] = [];
  readonly behaviour: Record<string, Behaviour> = {};
  disconnects = 0;
  readonly factory: AdminClientFactory = (config, events) => {
    this.config = config;
    this.events = events;
    return new Proxy({}, {
      get: (_, method: string) => {
        if (method === 'disconnect') return () => void this.disconnects++;
        return (...args: unknown[]) => {
          const attempt = this.requests.filter((r) => r.method === method).length;
          this.requests.push({ method, args: args.slice(0, -1) });
          (this.behaviour[method] ?? (() => undefined))(args.at(-1) as Callback, attempt);
        };
      },
    }) as never;
  };

  /** Fires the client's error event, as librdkafka does for a failed SASL handshake. */
  reportError(err: { code: number; message: string }): void {
    this.events['event.error'](Object.assign(new Error(err.message), err) as never);
  }

  count(method: string): number {
    return this.requests.filter((r) => r.method === method).length;
  }
}

const cluster = { alias: 'primary', bootstrapServers: 'fake:9092', client: {}, consumer: {}, producer: {}, admin: {} };
const kafkaErr = (code: number, message = `error ${code}`) => Object.assign(new Error(message), { code });
const SASL_FAILED = { code: -1, message: 'sasl_plaintext://127.0.0.1:21292/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN' };

function setup(timeoutMs = 60_000) {
  const fake = new FakeAdminClient();
  const connection = new AdminConnection({ 'bootstrap.servers': 'fake:9092', 'client.id': 'test' }, { timeoutMs, createClient: fake.factory });
  const groups = new ConsumerGroups(cluster, { clientId: 'kafka-mirror-test-groups', connection });
  const admin = new KafkaAdmin(connection);
  return { fake, connection, groups, admin };
}

/** Awaits `p`, expecting a MirrorError; returns it with the time it took, ms. */
async function failure(p: Promise<unknown>, t0 = Date.now()): Promise<{ err: MirrorError; elapsedMs: number }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MirrorError);
    return { err: err as MirrorError, elapsedMs: Date.now() - t0 };
  }
  throw new Error('expected a rejection');
}

describe('ConsumerGroups (checkpoint path) on authentication failure', () => {
  it('ends a request in flight at once with AUTH_FAILED when the client reports a SASL failure, not at the 60 s admin timeout', async () => {
    const { fake, groups } = setup(60_000);
    const t0 = Date.now();
    const pending = groups.listGroups(); // the fake never answers: librdkafka would retry the connection until the timeout
    expect(fake.count('listGroups')).toBe(1);
    fake.reportError(SASL_FAILED);
    const { err, elapsedMs } = await failure(pending, t0);
    expect(err.code).toBe(ERROR_CODES.AUTH_FAILED); // engine/cli exitCodeFor: AUTH_FAILED → exit 4
    expect(err.message).toBe(`listGroups on primary failed: ${SASL_FAILED.message}`);
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('fails later requests at once with the same AUTH_FAILED, without sending them', async () => {
    const { fake, groups } = setup();
    fake.reportError(SASL_FAILED);
    const { err } = await failure(groups.committedOffsets('g1'));
    expect(err.code).toBe(ERROR_CODES.AUTH_FAILED);
    expect(fake.count('listConsumerGroupOffsets')).toBe(0);
    expect((await failure(groups.groupStates(['g1']))).err.code).toBe(ERROR_CODES.AUTH_FAILED);
  });

  it('ends a backoff at once when the failure is reported between two attempts', async () => {
    const { fake, groups } = setup();
    fake.behaviour.describeGroups = (cb) => {
      cb(kafkaErr(K._TRANSPORT, 'Local: Broker transport failure'));
      queueMicrotask(() => fake.reportError(SASL_FAILED)); // during the backoff that follows
    };
    const { err, elapsedMs } = await failure(groups.groupStates(['g1']));
    expect(err.code).toBe(ERROR_CODES.AUTH_FAILED);
    expect(fake.count('describeGroups')).toBe(1);
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('does not retry an authorization error a request returns, and classifies it AUTH_FAILED', async () => {
    const { fake, groups } = setup();
    fake.behaviour.listConsumerGroupOffsets = (cb) => cb(kafkaErr(K.GROUP_AUTHORIZATION_FAILED, 'Broker: Group authorization failed'));
    const { err } = await failure(groups.committedOffsets('g1'));
    expect(err.code).toBe(ERROR_CODES.AUTH_FAILED);
    expect(fake.count('listConsumerGroupOffsets')).toBe(1);
  });

  it('classifies an authorization error inside a result AUTH_FAILED too', async () => {
    const { fake, groups } = setup();
    fake.behaviour.listConsumerGroupOffsets = (cb) => cb(null, [{ groupId: 'g1', error: kafkaErr(K.GROUP_AUTHORIZATION_FAILED), partitions: [] }]);
    expect((await failure(groups.committedOffsets('g1'))).err.code).toBe(ERROR_CODES.AUTH_FAILED);
  });
});

describe('AdminConnection retries', () => {
  it('retries retriable errors and returns the answer', async () => {
    const { fake, groups } = setup();
    fake.behaviour.listGroups = (cb, attempt) =>
      attempt < 2 ? cb(kafkaErr(K.COORDINATOR_NOT_AVAILABLE)) : cb(null, { groups: [{ groupId: 'g1', state: 3, protocolType: 'consumer' }, { groupId: 'connect', state: 3, protocolType: 'connect' }] });
    expect(await groups.listGroups()).toEqual([{ groupId: 'g1', state: 'Stable' }]);
    expect(fake.count('listGroups')).toBe(3);
  });

  it('does not retry an error that is not retriable (KAFKA_ERROR with the client error as cause)', async () => {
    const { fake, admin } = setup();
    fake.behaviour.createTopic = (cb) => cb(kafkaErr(K.INVALID_REPLICATION_FACTOR));
    const { err } = await failure(admin.createTopic('t', 1, 3));
    expect(err.code).toBe(ERROR_CODES.KAFKA_ERROR);
    expect((err.cause as { code: number }).code).toBe(K.INVALID_REPLICATION_FACTOR);
    expect(fake.count('createTopic')).toBe(1);
  });

  it('shares one fast exit between KafkaAdmin and ConsumerGroups of a connection', async () => {
    const { fake, admin, groups } = setup();
    const topics = admin.listTopics();
    const list = groups.listGroups();
    fake.reportError(SASL_FAILED);
    expect((await failure(topics)).err.code).toBe(ERROR_CODES.AUTH_FAILED);
    expect((await failure(list)).err.code).toBe(ERROR_CODES.AUTH_FAILED);
  });
});

/** The librdkafka timeout a recorded request carried (its `{ timeout }` option or its numeric timeout argument). */
function requestTimeout(r: { args: unknown[] } | undefined): number | undefined {
  const t = r?.args.find((a) => typeof a === 'number' || (typeof a === 'object' && a !== null && 'timeout' in a));
  return typeof t === 'number' ? t : (t as { timeout?: number } | undefined)?.timeout;
}

describe('admin.timeout.ms', () => {
  it('is the timeout of every request', async () => {
    const { fake, admin, groups } = setup(4321);
    fake.behaviour.listTopics = (cb) => cb(null, []);
    fake.behaviour.listGroups = (cb) => cb(null, { groups: [] });
    fake.behaviour.createTopic = (cb) => cb(null);
    fake.behaviour.describeGroups = (cb) => cb(null, { groups: [] });
    fake.behaviour.listConsumerGroupOffsets = (cb) => cb(null, [{ groupId: 'g', partitions: [] }]);
    await admin.listTopics();
    await admin.createTopic('t', 1, 1);
    await groups.listGroups();
    await groups.groupStates(['g']);
    await groups.committedOffsets('g');
    for (const method of ['listTopics', 'createTopic', 'listGroups', 'describeGroups', 'listConsumerGroupOffsets']) {
      const timeout = requestTimeout(fake.requests.find((r) => r.method === method));
      expect(timeout, method).toBeGreaterThan(4300); // the budget, less the few ms since the call began
      expect(timeout, method).toBeLessThanOrEqual(4321);
    }
    expect(admin.timeoutMs).toBe(4321);
  });

  it('is spread over attempts of at most 10 s each: closing the client waits for attempts in flight', async () => {
    const { fake, admin } = setup(60_000);
    fake.behaviour.listTopics = (cb) => cb(null, []);
    await admin.listTopics();
    expect(requestTimeout(fake.requests[0])).toBe(10_000);
  });

  it('is the time budget of the retries: a cluster that stays unreachable fails the request after it', async () => {
    const { fake, groups } = setup(300);
    fake.behaviour.listGroups = (cb) => cb(kafkaErr(K._TIMED_OUT, 'Local: Timed out'));
    const { err, elapsedMs } = await failure(groups.listGroups());
    expect(err.code).toBe(ERROR_CODES.KAFKA_ERROR);
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(elapsedMs).toBeLessThan(2000);
    expect(fake.count('listGroups')).toBeGreaterThan(2); // 50, 100, 150 (cut to the deadline) ms backoffs
    const timeouts = fake.requests.map(requestTimeout) as number[];
    expect(timeouts[0]).toBeLessThanOrEqual(300);
    expect(timeouts.at(-1)).toBeLessThan(timeouts[0]!); // a later attempt only gets what is left of the budget
  });
});

describe('ownership', () => {
  it('views over a shared connection leave closing to its owner; the owner closes once', () => {
    const { fake, connection, admin, groups } = setup();
    admin.close();
    groups.close();
    expect(fake.disconnects).toBe(0);
    connection.close();
    connection.close();
    expect(fake.disconnects).toBe(1);
  });
});
