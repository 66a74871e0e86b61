/**
 * Issue 12 item 5: every admin failure names the cluster (`cluster 'standby' (host:port): describeTopics
 * failed: Local: Timed out`) instead of librdkafka's bare `Local: Timed out`.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { KafkaAdmin } from './kafka-admin.ts';
import { adminConfig } from './kafka-clients.ts';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('KafkaAdmin errors name the cluster', () => {
  it("prefixes every failure with cluster '<alias>' (<bootstrap servers>) and keeps the code", async () => {
    const bootstrapServers = `127.0.0.1:${await closedPort()}`;
    const cluster = { alias: 'standby', bootstrapServers, client: {}, consumer: {}, producer: {}, admin: {} };
    const options = { timeoutMs: 300, label: { alias: cluster.alias, bootstrapServers } };
    const admin = new KafkaAdmin(adminConfig(cluster, 'kafka-mirror-label-test'), options);
    try {
      const err = await admin.describeTopics(['commit-log']).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(MirrorError);
      expect((err as MirrorError).code).toBe(ERROR_CODES.KAFKA_ERROR);
      expect((err as Error).message).toMatch(new RegExp(`^cluster 'standby' \\(127\\.0\\.0\\.1:\\d+\\): describeTopics failed: `));
      const listed = await admin.listTopics().then(() => undefined, (e: unknown) => e);
      expect((listed as Error).message).toMatch(/^cluster 'standby' \(127\.0\.0\.1:\d+\): listTopics failed: /);
    } finally {
      admin.close();
    }
  });
});
