/**
 * The dependency rules of src/ (docs/architecture.md), checked by test/architecture.spec.ts on every `npm test`
 * (also `npx depcruise src --config .dependency-cruiser.cjs`).
 *
 * - no-folder-cycle: no cycle between folders. dependency-cruiser compares folders at their own depth (a cycle through
 *   a subfolder, src/articles/domain, would not show at src/articles); the spec also checks the graph collapsed to
 *   the top-level folders of src/, where the one-way direction is HTTP → commands and queries → domain, read models
 *   and features → event store → database.
 * - domain-is-pure: domain code (src/**\/domain/**) is pure functions and data: no Nest, TypeORM or pg, so that replay
 *   is exact and the rules read without the framework.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      from: { path: 'src/[^.]*/domain/' },
      to: { path: 'node_modules/(@nestjs|typeorm|pg)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$|\\.spec-helper\\.ts$' },
  },
};
