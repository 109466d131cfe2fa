import type { EndpointTestResult } from "~/lib/contracts/endpoints";
import { UserError } from "~/lib/errors";

/**
 * The endpoints page's Test: from the studio's server (the key never reaches the browser), list the server's
 * models (GET {base}/models) and time a short chat completion. A failure is a sentence saying what went wrong
 * (nothing listening, a refused key, no answer in time), under BAD_GATEWAY: the studio is fine, the endpoint is not.
 */

export type EndpointTarget = { baseUrl: string; model: string; apiKey: string | null; timeoutMs: number };

const PROMPT = "Reply with one word: hello.";
/** Enough for a word or two: Test checks that the model answers, not how well. */
const MAX_TOKENS = 8;
const MAX_SHOWN = 300;

class EndpointFailed extends UserError {
  constructor(message: string) {
    super("BAD_GATEWAY", message);
  }
}

/** The server's own words, shortened, and never the key (some servers echo part of the key they refused). */
function serverText(text: string, apiKey: string | null): string {
  const clean = (apiKey ? text.replaceAll(apiKey, "[key]") : text).replace(/\s+/g, " ").trim();
  return clean.length > MAX_SHOWN ? `${clean.slice(0, MAX_SHOWN)}…` : clean;
}

function networkFailure(error: unknown, url: string, timeoutMs: number): EndpointFailed {
  const { origin, host } = new URL(url);
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return new EndpointFailed(`${url} did not answer within ${timeoutMs / 1000} s (the endpoint's request timeout): the server is busy, stalled or not there.`);
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case "ECONNREFUSED":
      return new EndpointFailed(`Nothing is listening at ${origin}: the connection was refused. Is the server running, and are the host and port right?`);
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new EndpointFailed(`The host ${host} was not found: check the base URL.`);
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return new EndpointFailed(`${origin} closed the connection without answering.`);
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new EndpointFailed(`${host} cannot be reached from the studio's machine (no route to it).`);
    default:
      return new EndpointFailed(`The request to ${url} failed: ${cause?.message ?? (error as Error).message}.`);
  }
}

async function callJson(url: string, target: EndpointTarget, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (target.apiKey) headers.Authorization = `Bearer ${target.apiKey}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: body === undefined ? "GET" : "POST",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(target.timeoutMs),
      redirect: "error",
    });
    text = await response.text();
  } catch (e) {
    throw networkFailure(e, url, target.timeoutMs);
  }
  if (response.status === 401 || response.status === 403) {
    throw new EndpointFailed(
      target.apiKey
        ? `${url} refused the API key (${response.status}): check the key set for this endpoint.`
        : `${url} answered ${response.status}: the server needs an API key, and this endpoint has none.`,
    );
  }
  if (response.status === 404 && body === undefined) {
    throw new EndpointFailed(`${url} answered 404: no OpenAI-compatible API at this base URL. It usually ends in /v1 (http://127.0.0.1:8000/v1).`);
  }
  if (!response.ok) {
    const said = serverText(errorMessage(text) ?? text, target.apiKey);
    throw new EndpointFailed(`${url} answered ${response.status}${said ? `: ${said}` : ""}.`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new EndpointFailed(`${url} did not answer JSON: is the base URL an OpenAI-compatible API?`);
  }
}

/** The message of an OpenAI-style error body ({error: {message}} or {error: "..."}), if it is one. */
function errorMessage(text: string): string | null {
  try {
    const body = JSON.parse(text) as { error?: string | { message?: string }; detail?: unknown };
    if (typeof body.error === "string") return body.error;
    if (typeof body.error?.message === "string") return body.error.message;
    if (body.detail !== undefined) return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
  } catch {
    // not JSON: the text itself is shown
  }
  return null;
}

export async function probeEndpoint(target: EndpointTarget): Promise<EndpointTestResult> {
  const modelsUrl = `${target.baseUrl}/models`;
  let started = performance.now();
  const listed = (await callJson(modelsUrl, target)) as { data?: { id?: unknown }[] };
  const modelsLatencyMs = Math.round(performance.now() - started);
  if (!Array.isArray(listed.data)) throw new EndpointFailed(`${modelsUrl} did not answer a model list ({"data": [...]}): is the base URL an OpenAI-compatible API?`);
  const models = listed.data.map((m) => serverText(String(m.id), target.apiKey));

  const chatUrl = `${target.baseUrl}/chat/completions`;
  started = performance.now();
  const completion = (await callJson(chatUrl, target, {
    model: target.model,
    messages: [{ role: "user", content: PROMPT }],
    max_tokens: MAX_TOKENS,
    temperature: 0,
  })) as { choices?: { message?: { content?: unknown } }[]; usage?: { completion_tokens?: unknown } };
  const completionLatencyMs = Math.round(performance.now() - started);
  const content = completion.choices?.[0]?.message?.content;
  if (typeof content !== "string") throw new EndpointFailed(`${chatUrl} answered without a message (no choices[0].message.content).`);
  const tokens = completion.usage?.completion_tokens;
  return {
    models,
    modelListed: models.includes(target.model),
    modelsLatencyMs,
    completionLatencyMs,
    reply: serverText(content, target.apiKey),
    completionTokens: typeof tokens === "number" ? tokens : null,
  };
}
