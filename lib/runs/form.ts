import { z } from "zod";
import { evalSettings, missingJudge } from "~/lib/contracts/evaluation-form";
import { deviceChoice, modelRef } from "~/lib/contracts/job";
import { MAX_ID, MAX_PATH, nameField, pathField } from "~/lib/contracts/text-bounds";
import { attentionChoice, layerMapIssues } from "./attention";
import { daeChoice } from "./dae";
import { distributedChoice, distributedIssues } from "./distributed-choice";
import { lossChoice } from "./loss";

/**
 * The launch form of a single-stage distillation run, shared by the browser (validation, live job.json
 * preview, URL state) and the server (which validates it again, confines its paths and writes the run).
 */

/** SmolLM2-135M-Instruct has 30 decoder layers; 6 keeps a fifth of them. */
export const TEACHER_LAYERS = 30;

export const studentChoice = z.discriminatedUnion("source", [
  ...modelRef.options,
  z.object({ source: z.literal("pruned"), num_layers: z.number().int().min(1).max(256) }),
]);
export type StudentChoice = z.infer<typeof studentChoice>;

/** The form's fields, each with its bounds and default; launchForm adds the checks across fields. */
export const launchFields = z.object({
  datasetId: z.string().min(1, "choose a dataset").max(MAX_ID, `a dataset id is at most ${MAX_ID} characters`),
  name: nameField("a run name").default(""),
  teacher: modelRef.default({ source: "embedded" }),
  student: studentChoice.default({ source: "pruned", num_layers: 6 }),
  loss: lossChoice("the loss").prefault({}),
  /** KD + DAE's attention-map loss: KD = prediction-layer loss + w·attention loss. */
  attention: attentionChoice.prefault({}),
  /** KD + DAE's Domain Alignment from Expert phase, chained after the KD phase (or alone). */
  dae: daeChoice.prefault({}),
  temperature: z.number().positive().max(100).default(1),
  /** α in L = (1 − α)·CE + α·KD. */
  kdWeight: z.number().min(0).max(1).default(0.5),
  epochs: z.number().int().min(1).max(1000).default(1),
  lr: z.number().positive().max(1).default(1e-4),
  batchSize: z.number().int().min(1).max(4096).default(4),
  gradAccum: z.number().int().min(1).max(4096).default(1),
  maxLength: z.number().int().min(16).max(32768).default(512),
  /** Train on at most this many rows (after the eval split); null trains on all of them. */
  trainSamples: z.number().int().min(1).nullable().default(null),
  /** Rows held out for evaluation; 0 disables evaluation. */
  evalSize: z.number().int().min(0).default(50),
  evalEvery: z.number().int().min(0).default(50),
  evalPrompts: z.number().int().min(0).default(16),
  evalMaxNewTokens: z.number().int().min(1).max(4096).default(64),
  checkpointEvery: z.number().int().min(0).default(50),
  device: deviceChoice.default("auto"),
  /** Several GPUs under torchrun, DDP or FSDP. */
  distributed: distributedChoice.prefault({}),
  /** Each decoder layer's activations recomputed in the backward pass (job.gradient_checkpointing). */
  activationCheckpointing: z.boolean().default(false),
  seed: z.number().int().min(0).default(10),
  /** Where the final student goes; empty keeps it in the run folder (model/). */
  outputDir: pathField("the output folder").default(""),
  /** A teacher-logit cache (its teacher_cache job's id) the KD phase distils from instead of running the teacher; null: the live teacher. */
  teacherCache: z.string().min(1).max(MAX_ID, `a cache id is at most ${MAX_ID} characters`).nullable().default(null),
  /** Evaluate the student when the run succeeds (an eval job on these suites, judged ones by their judge); null does not. */
  evaluate: evalSettings
    .superRefine((settings, ctx) => {
      const judge = missingJudge(settings);
      if (judge) ctx.addIssue({ code: "custom", message: judge });
    })
    .nullable()
    .default(null),
});

export const launchForm = launchFields.superRefine((form, ctx) => {
  // Bounded here rather than in modelRef, which is also job.json's contract with the trainer.
  const refs = [
    { path: ["teacher"], ref: form.teacher, role: "teacher" },
    { path: ["student"], ref: form.student, role: "student" },
    ...(form.dae.enabled
      ? [
          { path: ["dae", "expert"], ref: form.dae.expert, role: "domain expert" },
          { path: ["dae", "reference"], ref: form.dae.reference, role: "reference model" },
        ]
      : []),
  ];
  for (const { path, ref, role } of refs) {
    if ("path" in ref && ref.path.length > MAX_PATH) {
      ctx.addIssue({ code: "custom", path: [...path, "path"], message: `the ${role}'s path is at most ${MAX_PATH} characters` });
    }
  }
  // Pruning keeps some of the teacher's layers; it cannot make more (the trainer would fail once loaded).
  if (form.student.source === "pruned" && form.teacher.source === "embedded" && form.student.num_layers > TEACHER_LAYERS) {
    ctx.addIssue({
      code: "custom",
      path: ["student", "num_layers"],
      message: `the student keeps at most the teacher's ${TEACHER_LAYERS} layers (SmolLM2-135M has ${TEACHER_LAYERS}); choose ${TEACHER_LAYERS} or fewer`,
    });
  }
  if (form.attention.enabled && form.attention.layerMap) {
    const studentLayers = form.student.source === "pruned" ? form.student.num_layers : null;
    const teacherLayers = form.teacher.source === "embedded" ? TEACHER_LAYERS : null;
    for (const issue of layerMapIssues(form.attention.layerMap, studentLayers, teacherLayers)) {
      ctx.addIssue({ code: "custom", path: ["attention", "layerMap", ...issue.path], message: issue.message });
    }
  }
  if (form.teacherCache && form.attention.enabled) {
    ctx.addIssue({
      code: "custom",
      path: ["teacherCache"],
      message: "a teacher-logit cache holds the teacher's output distributions only, and the attention loss needs its attention maps: turn one of them off",
    });
  }
  for (const [path, message] of distributedIssues(form.distributed, form.device)) {
    ctx.addIssue({ code: "custom", path: ["distributed", path], message });
  }
  if (form.evalPrompts > form.evalSize && form.evalSize > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["evalPrompts"],
      message: `eval prompts (${form.evalPrompts}) exceed the eval split (${form.evalSize} rows)`,
    });
  }
});

export type LaunchForm = z.infer<typeof launchForm>;

/**
 * What launching a saved curriculum takes from the launch form: its model and training fields, with the same
 * bounds, all optional. The dataset, seed, training rows, eval rows, epochs, temperature and KD weight come
 * from the curriculum. The server checks the whole form again (launchForm) once the curriculum's fields are in.
 */
export const curriculumLaunchForm = launchFields
  .omit({ datasetId: true, trainSamples: true, evalSize: true, seed: true, epochs: true, temperature: true, kdWeight: true })
  .partial();
export type CurriculumLaunch = z.input<typeof curriculumLaunchForm>;

/** Every field at its default; with no dataset yet the form is incomplete (and says so) rather than throwing. */
export function defaultLaunchForm(datasetId = ""): LaunchForm {
  const defaults = Object.entries(launchForm.shape)
    .filter(([key]) => key !== "datasetId")
    .map(([key, schema]) => [key, (schema as z.ZodType).parse(undefined)]);
  return { ...Object.fromEntries(defaults), datasetId } as LaunchForm;
}

/**
 * Reads a form from untrusted JSON (URL, storage) field by field: a field that is missing or invalid on its
 * own falls back to its default, so one bad value never throws away the rest. Cross-field problems are kept
 * for the form to show.
 */
export function parseStoredForm(json: string | null, datasetId?: string): LaunchForm {
  const form = defaultLaunchForm(datasetId ?? "") as Record<string, unknown>;
  let stored: Record<string, unknown> = {};
  try {
    const value: unknown = json ? JSON.parse(json) : {};
    if (value && typeof value === "object") stored = value as Record<string, unknown>;
  } catch {
    // not JSON: defaults
  }
  for (const [key, schema] of Object.entries(launchForm.shape)) {
    if (key === "datasetId" && datasetId) continue;
    const field = (schema as z.ZodType).safeParse(stored[key]);
    if (field.success && stored[key] !== undefined) form[key] = field.data;
  }
  return form as LaunchForm;
}
