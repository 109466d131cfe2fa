import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderJsonSchemas } from "./json-schema";

// Regenerates the JSON Schemas the trainer validates against; `contracts.test.ts` fails when they drift.
for (const [file, text] of Object.entries(renderJsonSchemas())) {
  writeFileSync(resolve(import.meta.dirname, "../../trainer/distill/schemas", file), text);
  console.log(`wrote trainer/distill/schemas/${file}`);
}
