import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sweepUploads } from "./store";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "distill-uploads-"));
  process.env.DISTILL_DATA_DIR = dir;
  mkdirSync(join(dir, "uploads"));
});
afterEach(() => {
  delete process.env.DISTILL_DATA_DIR;
  delete process.env.DISTILL_UPLOAD_TTL_HOURS;
  rmSync(dir, { recursive: true, force: true });
});

/** A file in the uploads folder last written `hoursAgo` hours ago. */
function upload(name: string, hoursAgo: number) {
  const path = join(dir, "uploads", name);
  writeFileSync(path, "{}\n");
  const at = new Date(Date.now() - hoursAgo * 3_600_000);
  utimesSync(path, at, at);
}

const left = () => readdirSync(join(dir, "uploads")).sort();

describe("sweeping the uploads folder", () => {
  it("at studio start removes every partial upload (cut off by a disconnect or a killed studio)", async () => {
    upload("11111111-1111-1111-1111-111111111111.jsonl.part", 0);
    upload("22222222-2222-2222-2222-222222222222.csv", 0);
    await sweepUploads({ atStartup: true });
    expect(left()).toEqual(["22222222-2222-2222-2222-222222222222.csv"]);
  });

  it("removes uploads never imported once older than DISTILL_UPLOAD_TTL_HOURS, and stalled partial ones", async () => {
    process.env.DISTILL_UPLOAD_TTL_HOURS = "2";
    upload("11111111-1111-1111-1111-111111111111.json", 3);
    upload("22222222-2222-2222-2222-222222222222.json", 1);
    upload("33333333-3333-3333-3333-333333333333.json.part", 3);
    upload("44444444-4444-4444-4444-444444444444.json.part", 0);
    await sweepUploads();
    expect(left()).toEqual(["22222222-2222-2222-2222-222222222222.json", "44444444-4444-4444-4444-444444444444.json.part"]);
  });

  it("does nothing when no upload was ever made", async () => {
    rmSync(join(dir, "uploads"), { recursive: true });
    await expect(sweepUploads({ atStartup: true })).resolves.toBeUndefined();
  });
});
