import { readFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor, type Studio } from "./studio";

/** What the generation jobs' tests read back from a run folder and the embedded server (real trainer, real llama.cpp). */

export type JournalLine = { id: string; turn: number; cached: boolean };
export type Done = { type: "done"; result: { requests_sent: number; cache_hits: number; answered: number; set_aside_reasons: Record<string, number> } };

/** Requests as they arrive at the embedded server: its log has a line per request (uvicorn's). */
export const chatRequests = (s: Studio) => s.embedded.status().log.filter((line) => line.includes('"POST /v1/chat/completions')).length;

/** The job's journal (`<output>.journal`), every answer as it arrived; [] before the job wrote one. */
export function journal(runDir: string, output = "answers.jsonl"): JournalLine[] {
  let text: string;
  try {
    text = readFileSync(join(runDir, `${output}.journal`), "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as JournalLine);
}

export const lastDone = (runDir: string): Done =>
  readFileSync(join(runDir, "events.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string }).findLast((e): e is Done => e.type === "done")!;

export async function ended(s: Studio, jobId: string, timeoutMs = 300_000): Promise<string> {
  return waitFor(`job ${jobId} to end`, () => {
    const { status } = s.db.$client.prepare("select status from jobs where id = ?").get(jobId) as { status: string };
    return ["succeeded", "failed", "cancelled"].includes(status) ? status : null;
  }, timeoutMs);
}

export async function stopEmbedded(s: Studio): Promise<void> {
  s.embedded.stop();
  await waitFor("the embedded server to stop", () => s.embedded.status().state === "stopped", 10_000);
}
