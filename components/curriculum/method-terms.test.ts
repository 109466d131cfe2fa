import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { methodsSectionId, methodsSections } from "~/lib/methods-docs";
import { METHOD_TERMS } from "./method-terms";

describe("the designer's help texts", () => {
  const sections = methodsSections(readFileSync("docs/methods.md", "utf8"));

  it("cite sections that docs/methods.md has, each with its anchor on /docs/methods", () => {
    const ids = sections.map((s) => s.id);
    expect(ids).toContain("tapir-3");
    expect(sections.find((s) => s.id === "pocl-4")?.body).toMatch(/^Temperature and KD weight rise linearly/);
    for (const { section } of Object.values(METHOD_TERMS)) expect(ids).toContain(methodsSectionId(section));
  });

  it("cover every term the issue names", () => {
    expect(Object.keys(METHOD_TERMS)).toEqual(expect.arrayContaining(["TAPIR", "task ratios", "δ", "α", "POCL", "baby steps", "buckets", "temperature", "KD weight"]));
  });
});
