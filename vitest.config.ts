import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure logic, fakes only) and `integration` (real local Kafka clusters,
 * started by test/global-setup.ts unless already up). Integration files run one at a time:
 * two brokers on a 2-core machine are the shared resource.
 */
export default defineConfig({
  test: {
    // `npm test` runs with --coverage: engine/ must keep ≥ 85 % of its statements covered by the unit and
    // integration tests together (engines started as child processes do not count; in-process ones do).
    coverage: {
      provider: 'v8',
      include: ['engine/**/*.ts'],
      exclude: ['engine/**/*.test.ts', 'engine/**/fakes/**', 'engine/**/fixtures/**'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      thresholds: { statements: 85 },
      reportOnFailure: true,
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['engine/**/*.test.ts', 'testkit/**/*.test.ts', 'bench/**/*.test.ts', 'producer-cli/**/*.test.ts', 'consumer-cli/**/*.test.ts', 'scenarios/**/*.test.ts', 'chaos/**/*.test.ts', 'local-kafka/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ['node_modules/**'],
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
