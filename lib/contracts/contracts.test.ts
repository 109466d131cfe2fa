import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { renderJsonSchemas } from "./json-schema";

describe("contracts", () => {
  it("the trainer's JSON Schemas match the zod source (run `npm run schema:gen` after changing lib/contracts)", () => {
    for (const [file, text] of Object.entries(renderJsonSchemas())) {
      const committed = readFileSync(resolve(import.meta.dirname, "../../trainer/distill/schemas", file), "utf8");
      expect(committed, file).toBe(text);
    }
  });
});
