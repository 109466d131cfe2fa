import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Db } from "~/db/client";
import { BadRequest, Conflict, NotFound } from "~/lib/errors";
import { defaultLaunchForm } from "~/lib/runs/form";
import { seedDataset } from "~/test/support/seed-dataset";
import type { JobStatus } from "~/lib/contracts/job";

// The download route reads the studio's database from DISTILL_DATA_DIR: set before anything opens it.
const dir = mkdtempSync(join(tmpdir(), "manage-runs-"));
process.env.DISTILL_DATA_DIR = dir;
const { getDb } = await import("~/db/client");
const { deleteRun, renameRun } = await import("./manage-runs");
const { finishedStudents } = await import("./student-folder");
const { prepareLaunch } = await import("./prepare-launch");
const { GET } = await import("~/app/api/runs/[id]/student/route");
const db: Db = getDb();
const runsRoot = join(dir, "runs");
afterAll(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A train run as the manager leaves it, with a saved student (config, tokenizer, weights, a nested file). */
function insertRun(id: string, status: JobStatus, withStudent = true): string {
  const runDir = join(runsRoot, id);
  mkdirSync(join(runDir, "checkpoints", "step-8"), { recursive: true });
  writeFileSync(join(runDir, "checkpoints", "step-8", "weights.pt"), "x");
  if (withStudent) {
    mkdirSync(join(runDir, "model", "extra"), { recursive: true });
    writeFileSync(join(runDir, "model", "config.json"), '{"model_type": "llama"}');
    writeFileSync(join(runDir, "model", "tokenizer.json"), "{}");
    writeFileSync(join(runDir, "model", "model.safetensors"), Buffer.alloc(3 * 1024 * 1024, 7));
    writeFileSync(join(runDir, "model", "extra", "notes.txt"), "nested");
    symlinkSync("/etc/passwd", join(runDir, "model", "passwd"));
  }
  const spec = { teacher: { source: "embedded" }, student: { source: "pruned", num_layers: 2 }, loss: { name: "fkl" }, output_dir: "model", plan: "plan.json" };
  db.$client
    .prepare("insert into jobs (id, kind, status, name, run_dir, spec) values (?, 'train', ?, ?, ?, ?)")
    .run(id, status, `run ${id}`, runDir, JSON.stringify(spec));
  return runDir;
}

const download = (id: string) => GET(new Request(`http://127.0.0.1:3000/api/runs/${id}/student`, { headers: { host: "127.0.0.1:3000" } }));

describe("renaming and deleting runs", () => {
  it("renames a run, trimmed; an empty or unknown one is refused with a sentence", () => {
    insertRun("r1", "succeeded");
    expect(renameRun(db, "r1", "  best so far ")).toEqual({ name: "best so far" });
    expect(db.$client.prepare("select name from jobs where id = 'r1'").pluck().get()).toBe("best so far");
    expect(() => renameRun(db, "r1", "   ")).toThrow(new BadRequest("A run needs a name: the new name is empty."));
    expect(() => renameRun(db, "nope", "x")).toThrow(NotFound);
  });

  it("deletes a finished run: its row, its events and its folder", () => {
    const runDir = insertRun("r2", "failed");
    db.$client.prepare("insert into job_events (job_id, seq, type, time, data) values ('r2', 1, 'log', 0, '{}')").run();
    deleteRun(db, "r2", runsRoot);
    expect(existsSync(runDir)).toBe(false);
    expect(db.$client.prepare("select count(*) from jobs where id = 'r2'").pluck().get()).toBe(0);
    expect(db.$client.prepare("select count(*) from job_events where job_id = 'r2'").pluck().get()).toBe(0);
  });

  it("refuses to delete a running or queued run and leaves its files", () => {
    for (const status of ["running", "queued"] as const) {
      const runDir = insertRun(`live-${status}`, status);
      expect(() => deleteRun(db, `live-${status}`, runsRoot)).toThrow(new Conflict(`Run "run live-${status}" is ${status}; cancel it before deleting it.`));
      expect(existsSync(join(runDir, "model", "config.json"))).toBe(true);
    }
  });
});

describe("the trained student", () => {
  it("downloads as a tar streamed from the model folder, without what a symlink points to", async () => {
    insertRun("r3", "succeeded");
    const response = await download("r3");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-tar");
    expect(response.headers.get("content-disposition")).toContain('filename="run r3 student.tar"');
    const tar = Buffer.from(await response.arrayBuffer());
    const listing = execFileSync("tar", ["-tvf", "-"], { input: tar }).toString();
    const names = listing.trim().split("\n").map((l) => l.split(/\s+/).at(-1));
    expect(names).toEqual(["r3-student/config.json", "r3-student/extra/notes.txt", "r3-student/model.safetensors", "r3-student/tokenizer.json"]);
    expect(listing).toMatch(/3145728 .* r3-student\/model\.safetensors/);
    const notes = execFileSync("tar", ["-xOf", "-", "r3-student/extra/notes.txt"], { input: tar }).toString();
    expect(notes).toBe("nested");
  });

  it("answers 409 for a run without a student and 404 for an unknown run", async () => {
    insertRun("r4", "cancelled", false);
    const none = await download("r4");
    expect(none.status).toBe(409);
    expect((await none.json()).error).toMatch(/has no trained student yet \(cancelled\)/);
    expect((await download("ghost")).status).toBe(404);
  });

  it("a cross-site request for the archive is refused", async () => {
    const response = await GET(new Request("http://127.0.0.1:3000/api/runs/r3/student", { headers: { host: "127.0.0.1:3000", "sec-fetch-site": "cross-site", origin: "http://evil.test" } }));
    expect(response.status).toBe(403);
  });

  it("finished students can be a new run's teacher or initial student; an unfinished run's folder cannot", () => {
    seedDataset(db, "d1", 30);
    const students = finishedStudents(db).map((s) => s.runId);
    expect(students).toContain("r3");
    expect(students).not.toContain("live-running");
    const form = { ...defaultLaunchForm("d1"), evalSize: 5, evalPrompts: 3 };
    const prepared = prepareLaunch(db, { ...form, teacher: { source: "dir", path: join(runsRoot, "r3", "model") } }, [join(dir, "models")]);
    expect(prepared.spec.teacher).toEqual({ source: "dir", path: join(runsRoot, "r3", "model") });
    expect(() => prepareLaunch(db, { ...form, student: { source: "dir", path: join(runsRoot, "live-running", "model") } }, [join(dir, "models")])).toThrow(
      /student: .* is outside the allowed model roots/,
    );
  });
});
