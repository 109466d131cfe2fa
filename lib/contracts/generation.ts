import { z } from "zod";
import { idField } from "./text-bounds";

/** The template an answer job uses unless told otherwise: the user's turn, as it is. */
export const DEFAULT_ANSWER_TEMPLATE = { name: "answer-as-is", version: 1, text: "{prompt}" } as const;

/** What the dataset page's "Answer with a teacher" form sends. */
export const startAnswerInput = z.object({
  datasetId: idField("a dataset id"),
  endpointId: idField("an endpoint id"),
  temperature: z.number().min(0, "the temperature is at least 0").max(2, "the temperature is at most 2").default(0.7),
  maxTokens: z.number().int("max tokens is a whole number").min(1, "max tokens is at least 1").max(32768, "max tokens is at most 32,768").default(512),
});
export type StartAnswerInput = z.input<typeof startAnswerInput>;

/** What a generated row records of how it was made (the answer job's provenance, docs/generation.md). */
export type RowProvenance = {
  endpoint: string;
  model: string;
  template: { name: string; version: number };
  sampling: Record<string, number>;
  time: string;
};
