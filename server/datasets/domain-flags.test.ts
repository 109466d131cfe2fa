import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "~/server/api/root";
import { importFile } from "~/test/support/import-file";
import { apiContext, tempStudio, type Studio } from "~/test/support/studio";

/**
 * KD + DAE's domain flags through the studio's API: from a column at import, by task type, by hand (one row, every
 * row of a search), and the share the dataset page and the launch forms show.
 */

let studio: Studio;
let caller: ReturnType<typeof createCaller>;
beforeAll(() => {
  studio = tempStudio();
  caller = createCaller(apiContext(studio));
});
afterAll(() => studio.cleanup());

function writeJsonl(name: string, records: object[]): string {
  const path = join(studio.dir, name);
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return path;
}

const flags = (datasetId: string) =>
  studio.db.$client.prepare("select is_domain from dataset_rows where dataset_id = ? order by idx").pluck().all(datasetId) as number[];

describe("domain flags from a column at import", () => {
  it("reads a recognised boolean-ish column (booleans, 1/0, yes/no, true/false in any case; missing is not domain)", async () => {
    const path = writeJsonl("flags.jsonl", [
      { instruction: "q0", output: "a0", is_domain: true },
      { instruction: "q1", output: "a1", is_domain: 0 },
      { instruction: "q2", output: "a2", is_domain: "Yes" },
      { instruction: "q3", output: "a3" },
      { instruction: "q4", output: "a4", is_domain: "FALSE" },
      { instruction: "q5", output: "a5", is_domain: "1" },
    ]);
    const { datasetId } = await importFile(studio.db, path);
    expect(flags(datasetId)).toEqual([1, 0, 1, 0, 0, 1]);
    expect(await caller.datasets.domainShare({ id: datasetId })).toEqual({ domain: 3, total: 6 });
  });

  it("reads a column the user names, and rejects a record whose flag is not boolean-ish with a sentence naming the column", async () => {
    const path = writeJsonl("named.jsonl", [
      { instruction: "q0", output: "a0", medical: "yes" },
      { instruction: "q1", output: "a1", medical: "maybe" },
      { instruction: "q2", output: "a2", medical: "no" },
    ]);
    const { datasetId, counts } = await importFile(studio.db, path, { mapping: { domain: "medical" } });
    expect(counts).toMatchObject({ row_count: 2, rejected_count: 1 });
    expect(flags(datasetId)).toEqual([1, 0]);
    const rejected = await caller.datasets.rejected({ id: datasetId, offset: 0, limit: 10 });
    expect(rejected.rows[0]!.reason).toBe('field "medical" (domain flag) must be true or false (also yes/no, 1/0), got "maybe"');
  });

  it("leaves a column merely named domain alone unless the user maps it (it often names the domain)", async () => {
    const path = writeJsonl("named-domain.jsonl", [{ instruction: "q0", output: "a0", domain: "medicine" }]);
    const { datasetId, counts } = await importFile(studio.db, path);
    expect(counts.rejected_count).toBe(0);
    expect(flags(datasetId)).toEqual([0]);
  });
});

describe("domain flags set in the studio", () => {
  let datasetId: string;
  beforeAll(async () => {
    const path = writeJsonl("typed.jsonl", [
      { instruction: "add 2 and 3", output: "5" },
      { instruction: "write a poem about rain", output: "rain falls" },
      { instruction: "add 7 and 8", output: "15" },
      { instruction: "write a haiku about snow", output: "snow" },
      { instruction: "tell me a joke", output: "no" },
      { instruction: "add 7 and 8", output: "15" },
    ]);
    datasetId = (await importFile(studio.db, path)).datasetId;
    const sqlite = studio.db.$client;
    sqlite.prepare("insert into tag_results (id, dataset_id, job_id, tagger, row_count) values ('tags', ?, 'j', 'embedded', 6)").run(datasetId);
    const ids = sqlite.prepare("select id from dataset_rows where dataset_id = ? order by idx").pluck().all(datasetId) as number[];
    ["Math", "Writing", "Math", "Writing", "Others", "Math"].forEach((label, i) => sqlite.prepare("insert into row_tags values ('tags', ?, ?, 0.9)").run(ids[i], label));
  });

  it("flags the rows of chosen task types (hand labels win over the tagger); the share leaves duplicates out", async () => {
    expect(await caller.datasets.flagByTaskType({ id: datasetId, tagResultId: "tags", types: ["Math"], replace: true })).toEqual({ domain: 2, total: 5 });
    expect(flags(datasetId)).toEqual([1, 0, 1, 0, 0, 1]);
    const rowId = studio.db.$client.prepare("select id from dataset_rows where dataset_id = ? and idx = 3").pluck().get(datasetId) as number;
    await caller.curriculum.setLabel({ rowId, label: "Math" });
    await caller.datasets.flagByTaskType({ id: datasetId, tagResultId: "tags", types: ["Math"], replace: true });
    expect(flags(datasetId)).toEqual([1, 0, 1, 1, 0, 1]);
    await caller.curriculum.setLabel({ rowId, label: null });
  });

  it("replaces the flags, or adds to them; refuses an empty choice and another dataset's tag pass", async () => {
    await caller.datasets.flagByTaskType({ id: datasetId, tagResultId: "tags", types: ["Writing"], replace: true });
    expect(flags(datasetId)).toEqual([0, 1, 0, 1, 0, 0]);
    await caller.datasets.flagByTaskType({ id: datasetId, tagResultId: "tags", types: ["Others"], replace: false });
    expect(flags(datasetId)).toEqual([0, 1, 0, 1, 1, 0]);
    // Without a tag pass only hand labels count, and unlabelled rows are the fallback type.
    expect(await caller.datasets.flagByTaskType({ id: datasetId, tagResultId: null, types: ["Others"], replace: true })).toEqual({ domain: 5, total: 5 });
    await expect(caller.datasets.flagByTaskType({ id: datasetId, tagResultId: "tags", types: [], replace: true })).rejects.toThrow(
      "choose at least one task type whose rows are the domain",
    );
    await expect(caller.datasets.flagByTaskType({ id: datasetId, tagResultId: "elsewhere", types: ["Math"], replace: true })).rejects.toThrow(
      "tag pass elsewhere is not one of this dataset's (it may have been deleted)",
    );
  });

  it("flags one row by hand, and every row a search finds; the row view, the row list and its domain filter show them", async () => {
    await caller.datasets.flagByTaskType({ id: datasetId, tagResultId: "tags", types: ["Math"], replace: true });
    expect(await caller.datasets.setRowDomain({ id: datasetId, idx: 4, isDomain: true })).toEqual({ domain: 3, total: 5 });
    expect((await caller.datasets.row({ id: datasetId, idx: 4 })).isDomain).toBe(true);
    await expect(caller.datasets.setRowDomain({ id: datasetId, idx: 40, isDomain: true })).rejects.toThrow("row #40 does not exist in this dataset");

    const unflagged = await caller.datasets.setSearchDomain({ id: datasetId, q: "add", origin: null, domain: null, isDomain: false });
    // The second "add 7 and 8" is a duplicate: a job over a search leaves it out, and so does flagging.
    expect(unflagged).toEqual({ changed: 2, domain: 1, total: 5 });
    expect(flags(datasetId)).toEqual([0, 0, 0, 0, 1, 1]);
    const flagged = await caller.datasets.setSearchDomain({ id: datasetId, q: "write", origin: null, domain: null, isDomain: true });
    expect(flagged).toMatchObject({ changed: 2, domain: 3 });
    await expect(caller.datasets.setSearchDomain({ id: datasetId, q: "zebra", origin: null, domain: null, isDomain: true })).rejects.toThrow(
      "no row matches “zebra”: nothing was flagged",
    );

    const domainRows = await caller.datasets.rows({ id: datasetId, offset: 0, limit: 10, domain: true });
    expect(domainRows.total).toBe(4);
    expect(domainRows.rows.map((r) => r.idx)).toEqual([1, 3, 4, 5]);
    expect((await caller.datasets.rows({ id: datasetId, offset: 0, limit: 10, domain: false })).rows.map((r) => r.idx)).toEqual([0, 2]);
    const found = await caller.datasets.search({ id: datasetId, q: "write", offset: 0, limit: 10, domain: true });
    expect(found.rows.map((r) => [r.idx, r.isDomain])).toEqual([[1, true], [3, true]]);
    expect((await caller.datasets.search({ id: datasetId, q: "write", offset: 0, limit: 10, domain: false })).total).toBe(0);
  });
});
