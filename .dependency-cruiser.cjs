/**
 * Dependencies run one way: app → server/api → feature folders → server/jobs → db, and lib depends on nothing
 * of the server's. server/startup.ts is the composition root: it may import every layer, and no server module
 * imports it. Checked by `npm run depcheck` (part of `npm test`); a new cycle or an upward import fails.
 *
 * Feature folders are ordered too, so that none of them forms a cycle with another (a later one may import an
 * earlier one): uploads, ingest, datasets, runs, analysis, curriculum.
 */
const FEATURES = ["uploads", "ingest", "datasets", "runs", "analysis", "curriculum"];
/** Tests, test support and benchmarks may reach into any layer to set up what they check. */
const TESTS = ["\\.test\\.tsx?$", "^test/", "^bench/", "^e2e/"];

const featureRules = FEATURES.map((feature, i) => ({
  name: `feature-order-${feature}`,
  comment: `server/${feature} may import only the feature folders before it (${FEATURES.slice(0, i).join(", ") || "none"}), server/jobs, db and lib.`,
  severity: "error",
  from: { path: `^server/${feature}/`, pathNot: TESTS },
  to: { path: `^server/(${[...FEATURES.slice(i + 1), "api"].join("|")})/|^server/startup\\.ts$|^(app|components)/` },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "A cycle means two modules cannot be understood (or changed) one without the other.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "lib-is-shared",
      comment: "lib/ is shared by browser and server: it depends on nothing of the server, db, app or components.",
      severity: "error",
      from: { path: "^lib/", pathNot: TESTS },
      to: { path: "^(server|db|app|components)/|^instrumentation\\.ts$" },
    },
    {
      name: "db-is-the-bottom",
      comment: "db/ holds the schema and the connection; it may use lib's contracts and nothing above it.",
      severity: "error",
      from: { path: "^db/", pathNot: TESTS },
      to: { path: "^(server|app|components)/" },
    },
    {
      name: "jobs-below-features",
      comment: "server/jobs runs any kind of job; what a kind means (its hooks, its data) belongs to the feature folders.",
      severity: "error",
      from: { path: "^server/jobs/", pathNot: TESTS },
      to: { path: `^server/(api|${FEATURES.join("|")})/|^server/startup\\.ts$|^(app|components)/` },
    },
    ...featureRules,
    {
      name: "api-below-app",
      comment: "server/api gets the studio through its context; it never builds it (server/startup.ts) or imports pages.",
      severity: "error",
      from: { path: "^server/api/", pathNot: TESTS },
      to: { path: "^server/startup\\.ts$|^(app|components)/" },
    },
    {
      name: "components-use-the-api",
      comment: "React components reach the server through tRPC; only the router's type may be imported.",
      severity: "error",
      from: { path: "^components/", pathNot: TESTS },
      to: { path: "^(server|db)/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "components-type-only-from-the-router",
      comment: "The router type is the one thing components take from the server.",
      severity: "error",
      from: { path: "^components/", pathNot: TESTS },
      to: { path: "^(server|db)/", pathNot: "^server/api/root\\.ts$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.next|trainer|data|\\.venv)/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"] },
  },
};
