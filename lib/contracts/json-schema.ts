import { z } from "zod";
import { jobEvent } from "./events";
import { jobSpec } from "./job";
import { trainPlan } from "./plan";

const sources = { "event.schema.json": jobEvent, "job.schema.json": jobSpec, "plan.schema.json": trainPlan };

/** File name → pretty JSON text of the generated JSON Schema (input side: defaults are optional). */
export function renderJsonSchemas(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(sources).map(([file, schema]) => [
      file,
      JSON.stringify(z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }), null, 2) + "\n",
    ]),
  );
}
