// ESLint flat config: typescript-eslint's recommended rules over the TypeScript sources, plus the
// dependency-direction rules of engine/ (issue 11), enforced with ESLint's own no-restricted-imports
// (it checks `import type` and `export … from` too). Import cycles are checked by dependency-cruiser
// (`npm run lint:deps`, .dependency-cruiser.cjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * engine/ concept folders along the data's path. A folder may import only folders EARLIER in this list
 * (and files of its own folder); engine/index.ts and engine/testing.ts (the public entry files) may
 * import any folder, and no folder may import them.
 */
const ENGINE_LAYERS = ['core', 'mm2', 'config', 'telemetry', 'kafka', 'progress', 'discovery', 'partitions', 'detect', 'replicate', 'failover', 'runtime', 'connect', 'cli'];

/** The only engine/ folder that may import a Kafka client library (type imports included): librdkafka's binding, kafkajs, @platformatic/kafka. */
const CLIENT_LAYER = 'kafka';

/**
 * What code outside engine/ may import from it: the files behind package.json `exports` (documented in
 * the README). Everything else under engine/ is internal.
 */
const PUBLIC_ENGINE_FILES = ['index.ts', 'testing.ts', 'core/errors.ts'];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const clientLibraries = {
  regex: '^(@confluentinc/kafka-javascript|kafkajs|@platformatic/kafka)(/|$)',
  message: `Only engine/${CLIENT_LAYER}/ may import a Kafka client library (type imports too): use or add an adapter there.`,
};
/** `up`: the relative prefix from a file's folder to engine/ (`../` in engine/<layer>/, `../../` one folder deeper). */
const engineEntryFiles = (up) => ({
  regex: `^${up}(${['index.ts', 'testing.ts'].map(escape).join('|')})$`,
  message: 'engine/ internals never import the public entry files (engine/index.ts, engine/testing.ts): import the module itself.',
});

/**
 * The no-restricted-imports patterns of a file in engine/<layer>/ (flat config: the last block that sets
 * a rule wins for a file, so each block carries the complete list). `allow` lifts the restriction on
 * some later layers and/or the client libraries.
 */
function layerPatterns(layer, allow = {}, depth = 1) {
  const up = '\\.\\./'.repeat(depth);
  const later = ENGINE_LAYERS.slice(ENGINE_LAYERS.indexOf(layer) + 1).filter((l) => !(allow.layers ?? []).includes(l));
  const patterns = [
    allow.testkit
      ? { regex: '(^|/)(testkit/(?!(wait-for|cli-flag-fuzz)\\.ts$)|test/|scenarios/|bench/|producer-cli/|consumer-cli/|local-kafka/)', message: 'engine/ unit tests and fakes import nothing outside engine/ but testkit/wait-for.ts and testkit/cli-flag-fuzz.ts.' }
      : { regex: `^${up}\\.\\./`, message: 'engine/ never imports code outside engine/ (testkit/, test/, scenarios/, CLIs, tools).' },
    engineEntryFiles(up),
  ];
  if (later.length > 0) {
    patterns.push({
      regex: `^${up}(${later.join('|')})/`,
      message: `engine/${layer}/ may import only folders earlier in the dependency order (${ENGINE_LAYERS.join(' → ')}).`,
    });
  }
  if (layer !== CLIENT_LAYER && !allow.clientLibraries) patterns.push(clientLibraries);
  return patterns;
}

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/** engine/<layer>/** and engine/<layer>/<sub>/** (e.g. engine/kafka/batch/): the dependency direction. */
const engineLayerBlocks = ENGINE_LAYERS.flatMap((layer) => [
  { files: [`engine/${layer}/**/*.ts`], rules: restrict(layerPatterns(layer)) },
  { files: [`engine/${layer}/*/**/*.ts`], ignores: [`engine/${layer}/fakes/**`], rules: restrict(layerPatterns(layer, {}, 2)) },
]);

/** Anything outside engine/ reaches the engine only through its public files. */
const deepEngineImport = {
  regex: `(^|/)engine/(?!(${PUBLIC_ENGINE_FILES.map(escape).join('|')})$)`,
  message: `Outside engine/, import the public surface only: engine/index.ts ('kafka-mirror-engine'), engine/core/errors.ts ('kafka-mirror-engine/errors') or engine/testing.ts ('kafka-mirror-engine/testing'); export what you need there.`,
};
const scenariosImport = { regex: '(^|/)scenarios/', message: 'Shared tools live in testkit/: tests and the benchmark do not import scenarios/.' };
const testImport = { regex: '(^|/)test/', message: 'Shared tools live in testkit/: nothing outside test/ imports test/.' };
const benchImport = { regex: '(^|/)bench/', message: 'testkit/ does not import the benchmark.' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'local-kafka/.cache/**', '.kafka/**', '.kafka-bench/**', 'logs/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // Code outside engine/: public engine files only.
  { files: ['**/*.ts', '**/*.js'], ignores: ['engine/**'], rules: restrict([deepEngineImport, testImport]) },
  { files: ['test/**/*.ts'], rules: restrict([deepEngineImport, scenariosImport]) },
  { files: ['bench/**/*.ts'], rules: restrict([deepEngineImport, scenariosImport, testImport]) },
  { files: ['testkit/**/*.ts'], rules: restrict([deepEngineImport, scenariosImport, testImport, benchImport]) },
  // engine/index.ts and engine/testing.ts: any engine folder, never a client library or outside code.
  { files: ['engine/*.ts'], rules: restrict([{ regex: '^\\.\\./', message: 'engine/ never imports code outside engine/.' }, clientLibraries]) },
  ...engineLayerBlocks,
  // Unit tests and their fakes inside engine/ may also use testkit/wait-for.ts and testkit/cli-flag-fuzz.ts.
  ...ENGINE_LAYERS.flatMap((layer) => [
    { files: [`engine/${layer}/**/*.test.ts`, `engine/${layer}/fakes/**/*.ts`], rules: restrict(layerPatterns(layer, { testkit: true })) },
    { files: [`engine/${layer}/*/**/*.test.ts`], ignores: [`engine/${layer}/fakes/**`], rules: restrict(layerPatterns(layer, { testkit: true }, 2)) },
  ]),
);
