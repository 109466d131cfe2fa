import { z } from "zod";
import { idField, MAX_NAME } from "./text-bounds";

/**
 * Model endpoints: OpenAI-compatible chat-completions servers (vLLM, Ollama, llama.cpp, a hosted API) that a
 * job may call as a black-box teacher (TAPIR). The one source of the endpoint forms' and the API's shapes.
 */

/** The id of the studio's own llama.cpp server for the embedded SmolLM2-135M-Instruct; no row has it. */
export const EMBEDDED_ENDPOINT_ID = "embedded";
/** The model name the embedded server answers to (its /v1/models lists this). */
export const EMBEDDED_MODEL = "smollm2-135m-instruct";

export const MAX_URL = 2048;
export const MAX_API_KEY = 4096;
export const MAX_CONCURRENCY = 256;
export const MAX_TIMEOUT_S = 3600;

const baseUrl = z
  .string()
  .trim()
  .min(1, "the base URL is required")
  .max(MAX_URL, `the base URL is at most ${MAX_URL} characters`)
  .refine((value) => URL.canParse(value), "the base URL is not a URL (for example http://127.0.0.1:8000/v1)")
  .refine((value) => !URL.canParse(value) || ["http:", "https:"].includes(new URL(value).protocol), "the base URL must start with http:// or https://")
  // A key in the URL would be stored in SQLite and shown on the page, where a key must never be.
  .refine((value) => !URL.canParse(value) || (!new URL(value).username && !new URL(value).password), "the base URL must not hold a user name or password: put the key in the API key field")
  // OpenAI clients append /chat/completions to the base URL themselves.
  .transform((value) => value.replace(/\/+$/, ""));

const price = (what: string) => z.number().min(0, `the ${what} price cannot be negative`).max(1e6, `the ${what} price is at most 1,000,000`).nullable();

/** What the add and edit forms send, apart from the key. */
export const endpointFields = z.object({
  name: z.string().trim().min(1, "the endpoint's name is required").max(MAX_NAME, `the endpoint's name is at most ${MAX_NAME} characters`),
  baseUrl,
  model: z.string().trim().min(1, "the model name is required").max(MAX_NAME, `the model name is at most ${MAX_NAME} characters`),
  maxConcurrency: z
    .number()
    .int("the maximum concurrency is a whole number")
    .min(1, "the maximum concurrency is at least 1")
    .max(MAX_CONCURRENCY, `the maximum concurrency is at most ${MAX_CONCURRENCY}`),
  requestTimeoutS: z
    .number()
    .int("the request timeout is a whole number of seconds")
    .min(1, "the request timeout is at least 1 second")
    .max(MAX_TIMEOUT_S, `the request timeout is at most ${MAX_TIMEOUT_S} seconds`),
  inputPricePerM: price("input"),
  outputPricePerM: price("output"),
});
export type EndpointFields = z.infer<typeof endpointFields>;

const apiKey = z.string().trim().min(1, "the API key is empty").max(MAX_API_KEY, `the API key is at most ${MAX_API_KEY} characters`);

export const createEndpointInput = endpointFields.extend({ apiKey: apiKey.optional() });

/** `apiKey` replaces the stored key, `clearKey` removes it; neither keeps it (the form never gets the key back). */
export const updateEndpointInput = endpointFields.extend({
  id: idField("an endpoint id"),
  apiKey: apiKey.optional(),
  clearKey: z.boolean().optional(),
});

export const endpointId = z.object({ id: idField("an endpoint id") });

/** An endpoint as the API returns it: whether a key is set, never the key. */
export type EndpointView = EndpointFields & { id: string; hasKey: boolean; createdAt: Date };

/** What Test measured: the server's model list and a short completion, each timed. */
export type EndpointTestResult = {
  models: string[];
  /** Whether the endpoint's model is among `models`. */
  modelListed: boolean;
  modelsLatencyMs: number;
  completionLatencyMs: number;
  reply: string;
  completionTokens: number | null;
};

export const EMBEDDED_STATES = ["stopped", "starting", "running", "failed"] as const;
export type EmbeddedState = (typeof EMBEDDED_STATES)[number];

export type EmbeddedStatus = {
  state: EmbeddedState;
  /** Set while starting or running. */
  baseUrl: string | null;
  model: string;
  /** Stopped after this long without a request from the studio or a job holding it. */
  idleStopMs: number;
  /** Why the last start failed, or why the server exited. */
  error: string | null;
  /** The server's last log lines, oldest first. */
  log: string[];
};
