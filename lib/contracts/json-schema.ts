import { z } from "zod";
import { evalAnswer, evalResult } from "./evaluation";
import { jobEvent } from "./events";
import { jobSpec } from "./job";
import { trainPlan } from "./plan";
import { FALLBACK_TASK_TYPE, TASK_RATIOS } from "./taxonomy";

const schemas = {
  "event.schema.json": jobEvent,
  "job.schema.json": jobSpec,
  "plan.schema.json": trainPlan,
  "eval.schema.json": evalResult,
  "eval_answer.schema.json": evalAnswer,
};

const pretty = (value: unknown) => JSON.stringify(value, null, 2) + "\n";

/** File name → text of each generated file the trainer reads: JSON Schemas (input side) and the taxonomy. */
export function renderJsonSchemas(): Record<string, string> {
  return {
    ...Object.fromEntries(
      Object.entries(schemas).map(([file, schema]) => [
        file,
        pretty(z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" })),
      ]),
    ),
    "taxonomy.json": pretty({ ratios: TASK_RATIOS, fallback: FALLBACK_TASK_TYPE }),
  };
}
