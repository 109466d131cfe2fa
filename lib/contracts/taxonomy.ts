/**
 * TAPIR's 32-category task taxonomy and its target ratios (docs/methods.md, TAPIR §2). The one source for the
 * studio and, through the generated trainer/distill/schemas/taxonomy.json, for the trainer's tagger.
 */
export const TASK_RATIOS = {
  Math: 0.167,
  Reasoning: 0.167,
  "Code Generation": 0.083,
  "Code Debug": 0.083,
  Others: 0.041,
  Writing: 0.017,
  "Computer Science": 0.017,
  "Complex Format": 0.017,
  "Common-Sense": 0.017,
  Counterfactual: 0.017,
  Multilingual: 0.017,
  Roleplay: 0.017,
  Biology: 0.017,
  Technology: 0.017,
  Ethics: 0.017,
  Sport: 0.017,
  Law: 0.017,
  Medicine: 0.017,
  Literature: 0.017,
  Entertainment: 0.017,
  Art: 0.017,
  Music: 0.017,
  Toxicity: 0.017,
  Economy: 0.017,
  Physics: 0.017,
  History: 0.017,
  Chemistry: 0.017,
  Philosophy: 0.017,
  Health: 0.017,
  Ecology: 0.017,
  Grammar: 0.017,
  Paraphrase: 0.017,
} as const satisfies Record<string, number>;

export type TaskType = keyof typeof TASK_RATIOS;
export const TASK_TYPES = Object.keys(TASK_RATIOS) as TaskType[];
/** Where an unparseable or unknown label goes (EasyDistill's rule). */
export const FALLBACK_TASK_TYPE: TaskType = "Others";
