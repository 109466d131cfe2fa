import type { z } from "zod";
import type { Db } from "~/db/client";
import { evaluations } from "~/db/schema";
import { missingJudge, SUITE_INFO, type EvalSettings, type startEvalInput } from "~/lib/contracts/evaluation-form";
import type { EndpointSpec, EvalModel } from "~/lib/contracts/job";
import { BadRequest } from "~/lib/errors";
import { connectEndpoint, endpointJobSpec, type EndpointConnection } from "~/server/endpoints/connection";
import type { EmbeddedServer } from "~/server/endpoints/embedded-server";
import { responseCachePath } from "~/server/generation/start-generation";
import type { JobManager } from "~/server/jobs/manager";
import { evalDatasetsDir, suiteAvailability, unavailableReason } from "./datasets-dir";
import { resolveTarget, type ResolvedTarget } from "./eval-target";

/** The environment names the eval job reads the evaluated endpoint's and the judge's keys from (never job.json). */
export const MODEL_KEY_ENV = "DISTILL_ENDPOINT_KEY";
export const JUDGE_KEY_ENV = "DISTILL_JUDGE_KEY";

/** Refuses settings that could not run: a judged suite without a judge, a held-out split without a run, a suite whose data is missing. */
function checkSettings(settings: EvalSettings, target: ResolvedTarget): void {
  const judge = missingJudge(settings);
  if (judge) throw new BadRequest(judge);
  const availability = suiteAvailability();
  for (const suite of settings.suites) {
    if (suite.name === "heldout" && !target.heldoutData) {
      throw new BadRequest(`the held-out split is a run's own: ${target.runId ? "this run kept no eval rows" : `${target.label} belongs to no run`}; choose another suite`);
    }
    const reason = unavailableReason(suite.name, availability);
    if (reason) throw new BadRequest(reason);
  }
}

function suiteSpecs(settings: EvalSettings, target: ResolvedTarget) {
  return settings.suites.map((suite) => ({
    name: suite.name,
    ...(suite.limit !== null ? { limit: suite.limit } : {}),
    ...(suite.name === "selfinst" ? { seeds: settings.seeds, greedy: settings.greedy } : {}),
    ...(suite.name === "heldout" ? { data: target.heldoutData } : {}),
  }));
}

function jobName(target: ResolvedTarget, settings: EvalSettings): string {
  const suites = settings.suites.map((s) => `${SUITE_INFO[s.name].label}${s.limit !== null ? ` ${s.limit}` : ""}`).join(", ");
  return `Evaluate ${target.label} on ${suites}`;
}

/**
 * Starts an eval job on the model the form named: job.json names the model and the judge (endpoints by base URL
 * and model, never by key: the keys go into the job's environment, and an embedded server is held until the job
 * ends), and an evaluations row links the job to its run and model, so the pages list it while it runs.
 */
export async function startEvalJob(
  manager: JobManager,
  embedded: EmbeddedServer | null,
  input: z.output<typeof startEvalInput>,
  options: { runFinishing?: boolean } = {},
): Promise<{ jobId: string }> {
  const { target: asked, ...settings } = input;
  const target = resolveTarget(manager.db, manager.dataDir, asked, { runFinishing: options.runFinishing });
  const connect = (id: string) => {
    if (!embedded) throw new Error(`evaluating with endpoint ${id} needs the studio's endpoints, which this caller has not got`);
    return connectEndpoint(manager.db, manager.dataDir, embedded, id);
  };
  checkSettings(settings, target);
  const connections: EndpointConnection[] = [];
  const release = () => connections.splice(0).forEach((c) => c.release());
  try {
    const env: Record<string, string> = {};
    let model: EvalModel;
    if (target.model.type === "endpoint") {
      const connection = await connect(target.model.endpointId);
      connections.push(connection);
      if (connection.apiKey) env[MODEL_KEY_ENV] = connection.apiKey;
      model = { type: "endpoint", endpoint: endpointJobSpec(connection) };
    } else {
      model = { type: "local", ...target.model.local };
    }
    let judge: EndpointSpec | null = null;
    if (settings.judgeEndpointId && settings.suites.some((s) => SUITE_INFO[s.name].judged)) {
      const connection = await connect(settings.judgeEndpointId);
      connections.push(connection);
      if (connection.apiKey) env[JUDGE_KEY_ENV] = connection.apiKey;
      judge = endpointJobSpec(connection);
    }
    const job = await manager.createJob({
      kind: "eval",
      name: jobName(target, settings),
      spec: {
        model,
        judge,
        suites: suiteSpecs(settings, target),
        datasets_dir: evalDatasetsDir(),
        cache: responseCachePath(manager.dataDir),
        max_new_tokens: settings.maxNewTokens,
        judge_max_tokens: settings.judgeMaxTokens,
        batch_size: settings.batchSize,
        device: settings.device,
      },
      lease: { env, release },
    });
    recordEvaluation(manager.db, job.id, target, settings, judge?.model ?? null);
    return { jobId: job.id };
  } catch (e) {
    release();
    throw e;
  }
}

function recordEvaluation(db: Db, id: string, target: ResolvedTarget, settings: EvalSettings, judge: string | null): void {
  db.insert(evaluations)
    .values({ id, runId: target.runId, modelKey: target.modelKey, role: target.role, modelLabel: target.label, settings: JSON.stringify(settings), judge })
    .run();
}
