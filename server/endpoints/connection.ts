import type { Db } from "~/db/client";
import { EMBEDDED_ENDPOINT_ID, EMBEDDED_MODEL } from "~/lib/contracts/endpoints";
import type { EndpointSpec } from "~/lib/contracts/job";
import type { EmbeddedServer } from "./embedded-server";
import { getEndpoint } from "./endpoint-store";
import { endpointKey } from "./key-store";

/**
 * What a caller of an endpoint needs (the studio's Test, a generation job): where it is, the model, the key, and
 * the limits to respect. For the embedded endpoint the server is started if needed and held until release().
 */
export type EndpointConnection = {
  baseUrl: string;
  model: string;
  apiKey: string | null;
  maxConcurrency: number;
  requestTimeoutS: number;
  inputPricePerM: number | null;
  outputPricePerM: number | null;
  /** Lets the embedded server go idle again; nothing for other endpoints. Call it once the work is done. */
  release(): void;
};

/**
 * llama_cpp.server answers one request at a time; a few in flight keep it busy between them. Its first answer
 * on a busy 2-core machine can take tens of seconds.
 */
const EMBEDDED_LIMITS = { maxConcurrency: 4, requestTimeoutS: 120, inputPricePerM: null, outputPricePerM: null };

export async function connectEndpoint(db: Db, dataDir: string, embedded: EmbeddedServer, id: string): Promise<EndpointConnection> {
  if (id === EMBEDDED_ENDPOINT_ID) {
    const lease = await embedded.acquire();
    return { ...EMBEDDED_LIMITS, baseUrl: lease.baseUrl, model: EMBEDDED_MODEL, apiKey: null, release: lease.release };
  }
  const { baseUrl, model, maxConcurrency, requestTimeoutS, inputPricePerM, outputPricePerM } = getEndpoint(db, dataDir, id);
  return { baseUrl, model, apiKey: endpointKey(dataDir, id), maxConcurrency, requestTimeoutS, inputPricePerM, outputPricePerM, release: () => undefined };
}

/**
 * The environment a job that calls the endpoint gets on top of the studio's (jobEnv): the key travels only here,
 * never through job.json or events, which carry the endpoint's base URL and model but nothing secret. The name is
 * the one the answer job reads (trainer/distill/generate/teacher.py).
 */
export function endpointJobEnv(connection: EndpointConnection): Record<string, string> {
  return connection.apiKey ? { DISTILL_ENDPOINT_KEY: connection.apiKey } : {};
}

/** How job.json names the endpoint: where it is, the model, the limits and prices; never the key (endpointJobEnv). */
export function endpointJobSpec(connection: EndpointConnection): EndpointSpec {
  return {
    base_url: connection.baseUrl,
    model: connection.model,
    concurrency: connection.maxConcurrency,
    timeout_s: connection.requestTimeoutS,
    ...(connection.inputPricePerM !== null ? { price_input_per_m: connection.inputPricePerM } : {}),
    ...(connection.outputPricePerM !== null ? { price_output_per_m: connection.outputPricePerM } : {}),
  };
}
