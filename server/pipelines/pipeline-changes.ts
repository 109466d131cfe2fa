import type { Db } from "~/db/client";
import type { PipelineDetail } from "~/lib/contracts/pipeline";
import type { JobBus } from "~/server/jobs/bus";
import { wakeable } from "~/server/jobs/event-stream";
import { getPipeline } from "./pipeline-view";

/**
 * A pipeline's changes (a step started, finished or failed; paused, resumed, cancelled) go out on the studio's job
 * bus under the pipeline's own key, so that its page follows it over SSE instead of polling. The bus, not module
 * state: Next loads the tRPC route and the start-up (where the job hooks run) as separate bundles, and the bus
 * is the one object both hold.
 */
const keyOf = (pipelineId: string) => `pipeline/${pipelineId}`;

/** Tells the pipeline's followers to read it again. */
export function pipelineChanged(bus: JobBus, pipelineId: string): void {
  bus.publish(keyOf(pipelineId), { kind: "resync" });
}

/** Succeeded and cancelled are for good; a paused or failed pipeline can still be resumed. */
const FINAL = new Set(["succeeded", "cancelled"]);

/**
 * The pipeline now, then again after each change (changes that arrive while one is read come out as one), until
 * it has succeeded or been cancelled, or `signal` aborts.
 */
export async function* followPipeline(db: Db, bus: JobBus, pipelineId: string, signal?: AbortSignal): AsyncGenerator<PipelineDetail> {
  let changed = true;
  const { wake, wait } = wakeable();
  const stop = bus.listen(keyOf(pipelineId), () => {
    changed = true;
    wake();
  });
  signal?.addEventListener("abort", wake);
  try {
    while (!signal?.aborted) {
      if (!changed) {
        await wait();
        continue;
      }
      changed = false;
      const detail = getPipeline(db, pipelineId);
      yield detail;
      if (FINAL.has(detail.status)) return;
    }
  } finally {
    signal?.removeEventListener("abort", wake);
    stop();
  }
}
