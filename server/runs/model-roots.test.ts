import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataDir } from "~/db/client";
import { afterAll, describe, expect, it } from "vitest";
import { confineModelPath, confinePath, modelRoots, outputRoots, PathOutsideRootsError } from "./model-roots";

const base = mkdtempSync(join(tmpdir(), "model-roots-"));
const root = join(base, "models");
const outside = join(base, "elsewhere");
mkdirSync(join(root, "student"), { recursive: true });
writeFileSync(join(root, "student", "config.json"), "{}");
writeFileSync(join(root, "teacher.gguf"), "GGUF");
mkdirSync(outside);
writeFileSync(join(outside, "secret.gguf"), "GGUF");
symlinkSync(outside, join(root, "link-out"));
symlinkSync(join(root, "student"), join(outside, "link-in"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function refusal(path: string): PathOutsideRootsError {
  try {
    confinePath(path, [root]);
  } catch (e) {
    if (e instanceof PathOutsideRootsError) return e;
    throw e;
  }
  throw new Error(`${path} was accepted`);
}

describe("confinePath", () => {
  it("accepts paths inside a root, including ones not created yet (outputs)", () => {
    expect(confinePath(join(root, "student"), [root])).toBe(join(root, "student"));
    expect(confinePath(join(root, "new", "out"), [root])).toBe(join(root, "new", "out"));
    expect(confinePath(root, [root])).toBe(root);
  });

  it("refuses a .. escape, naming the path and the allowed roots", () => {
    const path = join(root, "..", "elsewhere", "secret.gguf");
    const e = refusal(path);
    expect(e.message).toContain(path);
    expect(e.message).toContain(`allowed roots: ${root}`);
  });

  it("refuses an absolute path elsewhere and a sibling folder sharing the root's name as prefix", () => {
    refusal(join(outside, "secret.gguf"));
    mkdirSync(`${root}-evil`, { recursive: true });
    refusal(join(`${root}-evil`, "x"));
    refusal("/etc/passwd");
  });

  it("refuses a symlink inside the root that points out of it, saying where it resolves", () => {
    const e = refusal(join(root, "link-out", "secret.gguf"));
    expect(e.message).toContain(join(outside, "secret.gguf"));
    refusal(join(root, "link-out", "not-yet", "model"));
  });

  it("accepts a symlink from elsewhere that resolves into a root", () => {
    expect(confinePath(join(outside, "link-in"), [root])).toBe(join(root, "student"));
  });

  it("refuses empty paths", () => {
    expect(() => confinePath("  ", [root])).toThrow(PathOutsideRootsError);
  });
});

describe("confineModelPath", () => {
  it("checks a dir model has a config.json and a gguf model is a .gguf file", () => {
    expect(confineModelPath("dir", join(root, "student"), [root])).toBe(join(root, "student"));
    expect(confineModelPath("gguf", join(root, "teacher.gguf"), [root])).toBe(join(root, "teacher.gguf"));
    expect(() => confineModelPath("dir", join(root, "teacher.gguf"), [root])).toThrow(/is not a directory/);
    expect(() => confineModelPath("gguf", join(root, "student"), [root])).toThrow(/not a \.gguf file/);
    expect(() => confineModelPath("dir", join(root, "missing"), [root])).toThrow(/does not exist/);
  });
});

describe("modelRoots and outputRoots", () => {
  it("read DISTILL_MODEL_ROOTS and DISTILL_OUTPUT_ROOTS as colon-separated lists, each on its own", () => {
    const env = { DISTILL_MODEL_ROOTS: `${root}:${outside}:`, DISTILL_OUTPUT_ROOTS: join(base, "out") };
    expect(modelRoots(env)).toEqual([root, outside]);
    expect(outputRoots(env)).toEqual([join(base, "out")]);
  });

  it("default to separate folders under the data folder, never the virtual environment or the install folder", () => {
    expect(modelRoots({})).toEqual([join(dataDir(), "models")]);
    expect(outputRoots({})).toEqual([join(dataDir(), "outputs")]);
    const install = process.cwd();
    for (const r of [...modelRoots({}), ...outputRoots({})]) {
      expect(r).not.toContain(".venv");
      expect(r).not.toContain("site-packages");
      expect(r).not.toBe(install);
    }
    // A folder for reading models is not one a run may write into.
    expect(() => confinePath(join(modelRoots({})[0]!, "student"), outputRoots({}), "output")).toThrow(/outside the allowed output roots/);
  });
});
