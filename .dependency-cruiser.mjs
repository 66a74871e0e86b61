// dependency-cruiser (`npm run lint:deps`): no import cycles (issue 11). The dependency DIRECTION of
// engine/ is checked by ESLint (eslint.config.js, no-restricted-imports); this checks what a per-file
// lint rule cannot see: cycles, however many files they go through. Type-only imports count
// (tsPreCompilationDeps): a cycle of types is still a design cycle.

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycle: modules that import each other cannot be understood, tested or layered apart. Move the shared piece into the earlier module or pass it in.',
      from: {},
      to: {
        circular: true,
      },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|local-kafka/\\.cache|logs|bench/results)/' },
  },
};
