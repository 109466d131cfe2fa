/**
 * Dependencies run one way: app → server/api → feature folders → server/jobs → db, and lib depends on nothing
 * of the server's. server/startup.ts is the composition root: it may import every layer, and no server module
 * imports it. Checked by `npm run depcheck` (part of `npm test`); a new cycle or an upward import fails.
 *
 * Feature folders are ordered too, so that none of them forms a cycle with another (a later one may import an
 * earlier one): endpoints, uploads, ingest, datasets, runs, generation, evaluation, analysis, curriculum, pipelines.
 */
const FEATURES = ["endpoints", "uploads", "ingest", "datasets", "runs", "generation", "evaluation", "analysis", "curriculum", "pipelines"];
/** Tests, test support and benchmarks may reach into any layer to set up what they check. */
const TESTS = ["\\.test\\.tsx?$", "^test/", "^bench/", "^e2e/"];
const ABOVE_SERVER = "^(app|components)/|^instrumentation\\.ts$|^server/startup\\.ts$";

/** Modules under `from` (tests aside) must not import modules under `to`. */
function layer(name, comment, from, to, extra = {}) {
  return { name, comment, severity: "error", from: { path: from, pathNot: TESTS }, to: { path: to, ...extra } };
}

module.exports = {
  forbidden: [
    { name: "no-circular", comment: "A cycle means two modules cannot be understood (or changed) one without the other.", severity: "error", from: {}, to: { circular: true } },
    layer("lib-is-shared", "lib/ is shared by browser and server: it depends on nothing of the server, db, app or components.", "^lib/", `^(server|db)/|${ABOVE_SERVER}`),
    layer("db-is-the-bottom", "db/ holds the schema and the connection; it may use lib's contracts and nothing above it.", "^db/", `^server/|${ABOVE_SERVER}`),
    layer(
      "jobs-below-features",
      "server/jobs runs any kind of job; what a kind means (its hooks, its data) belongs to the feature folders.",
      "^server/jobs/",
      `^server/(api|${FEATURES.join("|")})/|${ABOVE_SERVER}`,
    ),
    ...FEATURES.map((feature, i) =>
      layer(
        `feature-order-${feature}`,
        `server/${feature} may import only the feature folders before it (${FEATURES.slice(0, i).join(", ") || "none"}), server/jobs, db and lib.`,
        `^server/${feature}/`,
        `^server/(${[...FEATURES.slice(i + 1), "api"].join("|")})/|${ABOVE_SERVER}`,
      ),
    ),
    layer("api-below-app", "server/api gets the studio through its context; it never builds it (server/startup.ts) or imports pages.", "^server/api/", ABOVE_SERVER),
    layer("components-use-the-api", "React components reach the server through tRPC: the router's type is all they import of it.", "^components/", "^(server|db)/", {
      pathNot: "^server/api/root\\.ts$",
    }),
    layer("components-import-types-only", "Importing the router's value would bundle the server into the browser.", "^components/", "^(server|db)/", {
      dependencyTypesNot: ["type-only"],
    }),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.next|trainer|data|\\.venv)/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
  },
};
