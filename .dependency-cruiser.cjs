// The architecture (DESIGN section 2): the folders are the data flow, agent/ and hub/ never import
// each other, common/ is the contract both build on, the UI takes only types and schemas from it,
// only bin/ wires the parts. Checked by `npm run lint` (depcruise) and by test/architecture.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'agent-not-to-hub',
      comment: 'agent/ and hub/ never import each other; bin/ wires them',
      severity: 'error',
      from: { path: '^agent/' },
      to: { path: '^(hub|ui|bin|demo)/' },
    },
    {
      name: 'hub-not-to-agent',
      comment: 'agent/ and hub/ never import each other; bin/ wires them',
      severity: 'error',
      from: { path: '^hub/' },
      to: { path: '^(agent|ui/src|bin|demo)/' },
    },
    {
      name: 'common-is-the-contract',
      comment: 'common/ imports only common/ (and libraries)',
      severity: 'error',
      from: { path: '^common/' },
      to: { path: '^(agent|hub|ui|bin|demo|bench|test)/' },
    },
    {
      name: 'demo-only-common',
      severity: 'error',
      from: { path: '^demo/' },
      to: { path: '^(agent|hub|ui|bin)/' },
    },
    {
      name: 'ui-not-to-servers',
      comment: 'the UI runs in the browser: no agent, hub or bin code',
      severity: 'error',
      from: { path: '^ui/src/' },
      to: { path: '^(agent|hub|bin|demo)/' },
    },
    {
      name: 'ui-takes-types-and-schemas-only',
      comment: 'from common/, the UI takes types, and values only from the API schemas, severities and occurrences',
      severity: 'error',
      from: { path: '^ui/src/' },
      to: { path: '^common/', pathNot: '^common/(api|severity|occurrence)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles, type-only imports included',
      severity: 'error',
      from: { path: '^(agent|hub|common|ui/src|bin|demo)/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: '^(agent|hub|common|ui/src|bin|demo)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|ui/dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
