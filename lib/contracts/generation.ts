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
};
