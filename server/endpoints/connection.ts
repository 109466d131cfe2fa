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
  /** Who answers, for the keys of a job's journal and response cache: unlike baseUrl, it survives a move (endpointIdentity). */
  identity: string;
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

const ENDPOINT_IDENTITY = "endpoint/";

/**
 * An endpoint the user added is known by its id: moving it to another address (editing its base URL) keeps
 * what it answered reusable. The embedded one is known by its model and GGUF (EmbeddedLease.identity), so a
 * restart on another port does too, and a different GGUF does not.
 */
function endpointIdentity(id: string): string {
  return `${ENDPOINT_IDENTITY}${id}`;
}

/** The studio endpoint a job's endpoint identity names, to connect to it again (a resume). */
export function endpointIdOf(identity: string | undefined): string | null {
  if (identity?.startsWith("embedded/")) return EMBEDDED_ENDPOINT_ID;
  return identity?.startsWith(ENDPOINT_IDENTITY) ? identity.slice(ENDPOINT_IDENTITY.length) : null;
}

export async function connectEndpoint(db: Db, dataDir: string, embedded: EmbeddedServer, id: string): Promise<EndpointConnection> {
  if (id === EMBEDDED_ENDPOINT_ID) {
    const lease = await embedded.acquire();
    return { ...EMBEDDED_LIMITS, baseUrl: lease.baseUrl, identity: lease.identity, model: EMBEDDED_MODEL, apiKey: null, release: lease.release };
  }
  const { baseUrl, model, maxConcurrency, requestTimeoutS, inputPricePerM, outputPricePerM } = getEndpoint(db, dataDir, id);
  return {
    baseUrl,
    identity: endpointIdentity(id),
    model,
    apiKey: endpointKey(dataDir, id),
    maxConcurrency,
    requestTimeoutS,
    inputPricePerM,
    outputPricePerM,
    release: () => undefined,
  };
}

/**
 * The environment a job that calls the endpoint gets on top of the studio's (jobEnv): the key travels only here,
 * never through job.json or events, which carry the endpoint's base URL and model but nothing secret. The name is
 * the one the answer job reads (trainer/distill/generate/teacher.py).
 */
export function endpointJobEnv(connection: EndpointConnection): Record<string, string> {
  return connection.apiKey ? { DISTILL_ENDPOINT_KEY: connection.apiKey } : {};
}

/**
 * job.json's `endpoint`: where the job connects now, its limits, and the identity its journal and cache keys use
 * (the embedded server's port changes between starts); never its key.
 */
export function endpointJobSpec(connection: EndpointConnection): EndpointSpec {
  return {
    base_url: connection.baseUrl,
    identity: connection.identity,
    model: connection.model,
    concurrency: connection.maxConcurrency,
    timeout_s: connection.requestTimeoutS,
    ...(connection.inputPricePerM !== null ? { price_input_per_m: connection.inputPricePerM } : {}),
    ...(connection.outputPricePerM !== null ? { price_output_per_m: connection.outputPricePerM } : {}),
  };
}
