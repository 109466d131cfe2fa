import { afterEach, expect, it } from "vitest";
import type { TrainJob } from "~/lib/contracts/job";
import { createCaller } from "~/server/api/root";
import { saveCurriculum } from "~/server/curriculum/saved-curricula";
import { jobRow } from "~/server/jobs/job-row";
import { seedDataset } from "~/test/support/seed-dataset";
import { apiContext, type Studio, tempStudio } from "~/test/support/studio";

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

it("launches a curriculum run with the loss's β and skew from the form", async () => {
  // No slot: the run stays queued, its job.json written.
  studio = tempStudio({ limits: { cpu: 0, light: 0 } });
  seedDataset(studio.db, "d", 12);
  const saved = await saveCurriculum(studio.db, "c", { dataset_id: "d", resample: null, schedule: { mode: "plain" } });
  const caller = createCaller(apiContext(studio));
  const run = await caller.curriculum.launch({
    curriculumId: saved.id,
    form: { loss: { name: "jsd", beta: 0.3, skew: 0.2 }, evalPrompts: 1 },
  });
  const spec = JSON.parse(jobRow(studio.db, run.id)!.spec) as TrainJob;
  expect(spec.loss).toMatchObject({ name: "jsd", beta: 0.3, skew: 0.2 });
});
