import { z } from "zod";
import { idField, searchText } from "./text-bounds";

/** The template an answer job uses unless told otherwise: the user's turn, as it is. */
export const DEFAULT_ANSWER_TEMPLATE = { name: "answer-as-is", version: 1, text: "{prompt}" } as const;

/**
 * Which of a dataset's rows an answer job answers (duplicates aside, always): all of them, those the dataset
 * page's row browser shows for a search, or those a saved curriculum's plan selects (each once).
 */
export const answerSubset = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("all") }),
  z.object({ kind: z.literal("search"), q: searchText }),
  z.object({ kind: z.literal("curriculum"), curriculumId: idField("a curriculum id") }),
]);
export type AnswerSubset = z.infer<typeof answerSubset>;

export const answerSubsetInput = z.object({ datasetId: idField("a dataset id"), subset: answerSubset.default({ kind: "all" }) });

/** What the dataset page's "Answer with a teacher" form sends. */
export const startAnswerInput = answerSubsetInput.extend({
  endpointId: idField("an endpoint id"),
  temperature: z.number().min(0, "the temperature is at least 0").max(2, "the temperature is at most 2").default(0.7),
  maxTokens: z.number().int("max tokens is a whole number").min(1, "max tokens is at least 1").max(32768, "max tokens is at most 32,768").default(512),
});
export type StartAnswerInput = z.input<typeof startAnswerInput>;

/** What a saved curriculum's "Expand with a teacher" form sends (TAPIR §4; the targets come from its resampling). */
export const startExpandInput = z.object({
  curriculumId: idField("a curriculum id"),
  endpointId: idField("an endpoint id"),
  temperature: z.number().min(0, "the temperature is at least 0").max(2, "the temperature is at most 2").default(0.8),
  maxTokens: z.number().int("max tokens is a whole number").min(16, "max tokens is at least 16").max(32768, "max tokens is at most 32,768").default(512),
  examplesPerRequest: z.number().int("examples per request is a whole number").min(1, "examples per request is at least 1").max(20, "examples per request is at most 20").default(3),
  instructionsPerRequest: z.number().int("instructions per request is a whole number").min(1, "instructions per request is at least 1").max(50, "instructions per request is at most 50").default(5),
  nearDuplicateThreshold: z.number().gt(0, "the near-duplicate threshold is above 0").max(1, "the near-duplicate threshold is at most 1").default(0.9),
  maxRequestsPerType: z.number().int("the request cap is a whole number").min(1, "the request cap is at least 1").max(1000, "the request cap is at most 1,000").default(20),
});
export type StartExpandInput = z.input<typeof startExpandInput>;

/** The counts an expand job reports in its progress events and its result (docs/generation.md). */
export const EXPAND_COUNTS = ["generated", "exact_duplicates", "near_duplicates", "tag_mismatches", "surplus", "kept", "answered", "set_aside"] as const;
export type ExpandCounts = Partial<Record<(typeof EXPAND_COUNTS)[number], number>>;

/** What a generated row records of how it was made (the answer job's provenance, docs/generation.md). */
export type RowProvenance = {
  /** The base URL the job connected to. */
  endpoint: string;
  /** Who answered, the same across the endpoint's moves (docs/generation.md); absent in rows made before it. */
  endpoint_identity?: string;
  model: string;
  template: { name: string; version: number };
  sampling: Record<string, number>;
  time: string;
  /** An expanded row: the template its answer was asked with, and the request and in-context rows its instruction came from. */
  answer_template?: { name: string; version: number };
  expansion?: { request: string; examples: string[] };
};
