import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasetRows, rowLabels } from "~/db/schema";
import { TASK_TYPES } from "~/lib/contracts/taxonomy";
import { startDatasetImport } from "~/server/datasets/start-import";
import type { JobManager } from "~/server/jobs/manager";

/** The tagger's own labelled examples (Alpaca JSONL with a `label` field): a small dataset with known types. */
export const DEMO_FILE = join(process.cwd(), "trainer", "distill", "data", "task_examples.jsonl");

/** In the ingest run folder: the label of each source line (index = line − 1), applied when the import succeeds. */
export const DEMO_LABELS = "demo-labels.json";

function labelsOf(text: string): (string | null)[] {
  const known = new Set<string>(TASK_TYPES);
  return text.split("\n").map((line, i) => {
    if (!line.trim()) return null;
    const label = (JSON.parse(line) as { label?: unknown }).label;
    if (typeof label !== "string" || !known.has(label)) throw new Error(`${DEMO_FILE} line ${i + 1}: label ${JSON.stringify(label)} is not a task type`);
    return label;
  });
}

/** Imports the demo file through the ordinary ingest job; its labels become hand labels once the rows exist. */
export async function loadDemoDataset(manager: JobManager) {
  const labels = labelsOf(readFileSync(DEMO_FILE, "utf8"));
  return startDatasetImport(manager, {
    name: "Demo: task-type examples",
    originalName: "task_examples.jsonl",
    format: "alpaca_jsonl",
    mapping: { instruction: "instruction", input: "input", output: "output" },
    from: DEMO_FILE,
    sourceName: "source.jsonl",
    files: { [DEMO_LABELS]: JSON.stringify(labels) },
  });
}

/** After a demo import: hand labels by source line, for the rows the import kept. */
export function applyDemoLabels(db: Db, runDir: string, datasetId: string): void {
  const file = join(runDir, DEMO_LABELS);
  if (!existsSync(file)) return;
  const labels = JSON.parse(readFileSync(file, "utf8")) as (string | null)[];
  const rows = db.select({ id: datasetRows.id, line: datasetRows.sourceLine }).from(datasetRows).where(eq(datasetRows.datasetId, datasetId)).all();
  const insert = db
    .insert(rowLabels)
    .values({ rowId: sql.placeholder("rowId"), datasetId, label: sql.placeholder("label"), updatedAt: new Date() })
    .onConflictDoUpdate({ target: rowLabels.rowId, set: { label: sql`excluded.label`, updatedAt: sql`excluded.updated_at` } })
    .prepare();
  db.transaction(() => {
    for (const r of rows) {
      const label = labels[r.line - 1];
      if (label) insert.run({ rowId: r.id, label });
    }
  });
}
