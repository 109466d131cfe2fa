import { describe, expect, it } from "vitest";
import { trainJob } from "~/lib/contracts/job";
import { formToTrainJob } from "./build-spec";
import { curriculumLaunchForm, defaultLaunchForm, launchForm, parseStoredForm, type LaunchForm } from "./form";

describe("launch form", () => {
  it("has defaults without a dataset, which the schema then asks for", () => {
    const form = defaultLaunchForm();
    expect(form.student).toEqual({ source: "pruned", num_layers: 6 });
    expect(form.teacher).toEqual({ source: "embedded" });
    expect(launchForm.safeParse(form).error?.issues[0]?.path).toEqual(["datasetId"]);
    expect(launchForm.safeParse(defaultLaunchForm("d1")).success).toBe(true);
  });

  it("restores a stored form field by field, replacing only the invalid fields", () => {
    const stored = JSON.stringify({ datasetId: "d1", name: "mine", batchSize: -3, loss: { name: "jsd", beta: 0.3, skew: 0.1 } });
    const form = parseStoredForm(stored);
    expect(form).toMatchObject({ datasetId: "d1", name: "mine", batchSize: 4, loss: { name: "jsd", beta: 0.3 } });
    expect(parseStoredForm("not json", "d2").datasetId).toBe("d2");
    expect(parseStoredForm(stored, "d9").datasetId).toBe("d9");
  });

  it("refuses a pruned student with more layers than the embedded teacher, beside the layers field", () => {
    const r = launchForm.safeParse({ ...defaultLaunchForm("d1"), student: { source: "pruned", num_layers: 31 } });
    expect(r.error?.issues).toMatchObject([{ path: ["student", "num_layers"], message: "the student keeps at most the teacher's 30 layers (SmolLM2-135M has 30); choose 30 or fewer" }]);
    expect(launchForm.safeParse({ ...defaultLaunchForm("d1"), student: { source: "pruned", num_layers: 30 } }).success).toBe(true);
  });

  it("rejects more eval prompts than eval rows", () => {
    const r = launchForm.safeParse({ ...defaultLaunchForm("d1"), evalSize: 4, evalPrompts: 8 });
    expect(r.error?.issues[0]?.message).toBe("eval prompts (8) exceed the eval split (4 rows)");
  });
});

describe("several GPUs", () => {
  const form: LaunchForm = { ...defaultLaunchForm("d1"), device: "cuda" };
  const issues = (f: LaunchForm) => (launchForm.safeParse(f).error?.issues ?? []).map((i) => [i.path.join("."), i.message]);

  it("writes the GPUs, FSDP and activation checkpointing into job.json", () => {
    const on = { ...form, activationCheckpointing: true, distributed: { strategy: "fsdp" as const, gpus: 2, gpuIds: [1, 3], teacher: "replicate" as const } };
    expect(issues(on)).toEqual([]);
    const job = trainJob.parse(formToTrainJob(on, { id: "t", createdAt: "2026-01-01T00:00:00Z" }));
    expect([job.gradient_checkpointing, job.distributed]).toEqual([
      true,
      { strategy: "fsdp", teacher: "replicate", mixed_precision: true, gpus: 2, gpu_ids: [1, 3] },
    ]);
    expect(formToTrainJob(defaultLaunchForm("d1"), { id: "t", createdAt: "" }).distributed).toEqual({ strategy: "ddp", teacher: "shard", mixed_precision: true, gpus: 1 });
  });

  it("refuses several GPUs on the CPU, and a GPU choice of another size than the run's, beside the field", () => {
    expect(issues({ ...form, device: "cpu", distributed: { ...form.distributed, gpus: 2 } })).toEqual([["distributed.gpus", "several GPUs need the device auto or CUDA, not CPU"]]);
    expect(issues({ ...form, distributed: { ...form.distributed, gpus: 3, gpuIds: [0] } })).toEqual([
      ["distributed.gpuIds", "1 GPU(s) chosen for a run on 3: choose as many as it runs on, or none"],
    ]);
    // Sent past the form's checkboxes: two ranks on one GPU would fail in CUDA, far from the cause.
    expect(issues({ ...form, distributed: { ...form.distributed, gpus: 2, gpuIds: [1, 1] } })).toEqual([["distributed.gpuIds", "GPU 1 is chosen twice: choose each GPU once"]]);
  });
});

describe("the DAE phase's learning rate and divergence", () => {
  const withDae = (dae: object) => ({ ...defaultLaunchForm("d1"), dae: { enabled: true, ...dae } });
  const meta = { id: "r", createdAt: "2026-01-01T00:00:00Z" };

  it("go into job.json's dae block; left as they are, the run's learning rate and forward KL", () => {
    const chosen = launchForm.parse(withDae({ lr: 5e-5, loss: { name: "jsd", beta: 0.3 } }));
    expect(formToTrainJob(chosen, meta).dae).toMatchObject({ lr: 5e-5, loss: { name: "jsd", beta: 0.3, skew: 0.1, chunk_size: 128 } });
    expect(formToTrainJob(launchForm.parse(withDae({})), meta).dae).toMatchObject({ lr: null, loss: { name: "fkl" } });
  });

  it("are refused with a sentence beside the field", () => {
    const issues = (dae: object) => launchForm.safeParse(withDae(dae)).error?.issues.map((i) => [i.path.join("."), i.message]);
    expect(issues({ lr: 0 })).toEqual([["dae.lr", "the DAE learning rate must be above 0"]]);
    expect(issues({ lr: 2 })).toEqual([["dae.lr", "the DAE learning rate must be at most 1"]]);
    expect(issues({ lr: Number.NaN })).toEqual([["dae.lr", "the DAE learning rate must be a number, or empty for the run's learning rate"]]);
    expect(issues({ loss: { name: "jsd", beta: 1.5 } })).toEqual([["dae.loss.beta", "the DAE loss's β (the JSD mix) must be between 0 and 1"]]);
    expect(issues({ loss: { name: "skl", skew: -0.1 } })).toEqual([["dae.loss.skew", "the DAE loss's λ (the skew) must be between 0 and 1"]]);
    expect(issues({ epochs: 0 })).toEqual([["dae.epochs", "the DAE phase needs at least 1 epoch"]]);
    // The curriculum launch takes the same DAE fields.
    expect(curriculumLaunchForm.safeParse({ dae: { enabled: true, lr: -1 } }).error?.issues[0]?.message).toBe("the DAE learning rate must be above 0");
  });
});

describe("curriculum launch form", () => {
  it("keeps the loss's β and skew, which a curriculum run trains with", () => {
    const form = curriculumLaunchForm.parse({ loss: { name: "jsd", beta: 0.3, skew: 0.2 } });
    expect(form.loss).toEqual({ name: "jsd", beta: 0.3, skew: 0.2 });
  });

  it("has the launch form's bounds and leaves out what the curriculum decides", () => {
    expect(curriculumLaunchForm.safeParse({ maxLength: 40_000 }).success).toBe(launchForm.safeParse({ datasetId: "d", maxLength: 40_000 }).success);
    expect(curriculumLaunchForm.safeParse({ loss: { name: "jsd", beta: 1.5 } }).success).toBe(false);
    expect(curriculumLaunchForm.parse({ seed: 3, kdWeight: 0.2 })).not.toHaveProperty("seed");
    // The eval rows are the curriculum's (eval_size): its plan is made on the rows left after them.
    expect(curriculumLaunchForm.parse({ evalSize: 3 })).not.toHaveProperty("evalSize");
  });
});
