import { describe, expect, it } from "vitest";
import { trainJob } from "~/lib/contracts/job";
import { attentionSpec, defaultLayerMap, evenlySpacedLayers } from "./attention";
import { formToTrainJob } from "./build-spec";
import { curriculumLaunchForm, defaultLaunchForm, launchForm } from "./form";

const META = { id: "r1", createdAt: "2026-01-01T00:00:00Z" };

describe("attention loss in the launch form", () => {
  it("picks the layers the trainer's evenly_spaced_layers picks, halves rounded to even as Python's round()", () => {
    // distill.models.evenly_spaced_layers(30, k) for k = 6, 5, 3 (29·2/4 = 14.5 → 14; JavaScript's Math.round gives 15)
    expect(evenlySpacedLayers(30, 6)).toEqual([0, 6, 12, 17, 23, 29]);
    expect(evenlySpacedLayers(30, 5)).toEqual([0, 7, 14, 22, 29]);
    expect(evenlySpacedLayers(30, 3)).toEqual([0, 14, 29]);
    expect(defaultLayerMap(2, 30)).toEqual([{ teacher: 0, student: 0 }, { teacher: 29, student: 1 }]);
    expect(defaultLayerMap(null, 30)).toBeNull();
    expect(defaultLayerMap(6, null)).toBeNull();
  });

  it("is off by default, and job.json then says so with the trainer's defaults", () => {
    const job = formToTrainJob(defaultLaunchForm("d1"), META);
    expect(job.attention).toEqual({ enabled: false, weight: 1, chunk_size: 128 });
    expect(trainJob.parse(job)).toEqual(job);
  });

  it("writes the weight, and the layer map only once the user made one", () => {
    const on = { ...defaultLaunchForm("d1"), attention: { enabled: true, weight: 0.5, layerMap: null } };
    expect(formToTrainJob(on, META).attention).toEqual({ enabled: true, weight: 0.5, chunk_size: 128 });
    const map = [{ student: 0, teacher: 3 }, { student: 5, teacher: 29 }];
    const mapped = { ...on, attention: { ...on.attention, layerMap: map } };
    expect(launchForm.safeParse(mapped).success).toBe(true);
    expect(trainJob.parse(formToTrainJob(mapped, META)).attention.layer_map).toEqual(map);
  });

  it("refuses layers the models do not have and a student layer mapped twice, beside the cell", () => {
    const form = { ...defaultLaunchForm("d1"), attention: { enabled: true, weight: 1, layerMap: [{ student: 6, teacher: 30 }, { student: 6, teacher: 1 }] } };
    const issues = launchForm.safeParse(form).error?.issues.map((i) => [i.path.join("."), i.message]);
    expect(issues).toEqual([
      ["attention.layerMap.0.student", "student layer 6 does not exist: the student has 6 layers (0–5)"],
      ["attention.layerMap.0.teacher", "teacher layer 30 does not exist: the teacher has 30 layers (0–29)"],
      ["attention.layerMap.1.student", "student layer 6 does not exist: the student has 6 layers (0–5)"],
      ["attention.layerMap.1.student", "student layer 6 is mapped twice; each learns from one teacher layer"],
    ]);
    // A disabled loss's leftover map is not the user's problem.
    expect(launchForm.safeParse({ ...form, attention: { ...form.attention, enabled: false } }).success).toBe(true);
    expect(launchForm.safeParse({ ...defaultLaunchForm("d1"), attention: { enabled: true, weight: -1, layerMap: null } }).error?.issues[0]?.path).toEqual(["attention", "weight"]);
  });

  it("is part of the curriculum launch form too", () => {
    const form = curriculumLaunchForm.parse({ attention: { enabled: true, weight: 2 } });
    expect(form.attention).toEqual({ enabled: true, weight: 2, layerMap: null });
    expect(attentionSpec(form.attention!)).toEqual({ enabled: true, weight: 2, chunk_size: 128 });
  });
});
