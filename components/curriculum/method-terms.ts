/** The designer's terms, each explained in a sentence or two and tied to the section of docs/methods.md it comes from. */
export const METHOD_TERMS = {
  TAPIR: {
    section: "TAPIR §1",
    text: "task-aware curriculum planning: resample the training rows so that each task type makes up a chosen share of them, instead of the dataset's accidental mix.",
  },
  "task ratios": {
    section: "TAPIR §2",
    text: "each task type's share of the resampled set; a type gets ⌊N · ratio⌋ samples. The TAPIR preset uses the paper's shares (Math and Reasoning highest), for the types these rows have only.",
  },
  N: {
    section: "TAPIR §3",
    text: "the size of the resampled set. Until you change it, the number of training rows (answered rows less the eval rows), so each row can appear once. A type with fewer rows than its target repeats them.",
  },
  δ: {
    section: "TAPIR §3",
    text: "difficulty threshold: a row whose difficulty in the chosen score pass is above δ counts as hard.",
  },
  α: {
    section: "TAPIR §3",
    text: "hard share: the part of each type's target drawn from its hard rows (difficulty above δ), the rest from the others. Empty: no split.",
  },
  "eval rows": {
    section: "POCL §5",
    text: "answered rows held out, before resampling, to measure the run's held-out loss and ROUGE-L; the run never trains on them.",
  },
  POCL: {
    section: "POCL §1",
    text: "progressive overload curriculum learning: order the training samples from easy to hard, train on growing shares of them stage by stage, and raise the temperature and the KD weight as the stages go.",
  },
  "baby steps": {
    section: "POCL §3",
    text: "the cumulative schedule: stage s trains on buckets 1 to s, so each stage adds the next harder bucket to the ones before. “One bucket per stage” trains stage s on bucket s alone; “plain” is one stage over everything.",
  },
  buckets: {
    section: "POCL §3",
    text: "the samples sorted easy to hard (by the score pass chosen to bucket by) and cut into K buckets of ⌊samples / K⌋, the last taking the remainder; one stage per bucket, so K cannot exceed the samples.",
  },
  temperature: {
    section: "POCL §4",
    text: "T softens the teacher's and the student's distributions (softmax of logits / T) before they are compared; it rises linearly from T start in the first stage to T end in the last.",
  },
  "KD weight": {
    section: "POCL §4",
    text: "the weight of the distillation term in the loss, (1 − weight) · CE + weight · KD: how much the student follows the teacher rather than the gold answer; it rises linearly across the stages.",
  },
} as const;

export type MethodTerm = keyof typeof METHOD_TERMS;
