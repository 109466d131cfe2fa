import superjson from "superjson";
import { z } from "zod";
import type { Db } from "~/db/client";
import type { JobEvent } from "~/lib/contracts/events";
import type { JobBus } from "./bus";
import { JobEventFollower } from "./event-stream";
import { jobRow } from "./job-row";

/**
 * jobs.events over SSE, served without tRPC's per-subscriber stream machinery. tRPC's SSE producer runs each
 * event through several async generators, a ping timer race, a TransformStream writing five strings and a
 * TextEncoderStream, per subscriber; under `next start` each of those promises also pays for Next's
 * AsyncLocalStorage (async_hooks on Node 20) and each of the five chunks for Next's own pipeTo into the
 * response. With 50 subscribers at 50 events/s that saturated a core and latency grew without bound. Here an
 * event is serialised and encoded once (all subscribers get the same object from the bus) and each subscriber
 * gets one chunk per delivery, events that gathered while its reader was busy going out together.
 *
 * The wire format is tRPC's own (@trpc/server 11 sseStreamProducer, read by httpSubscriptionLink): a
 * `connected` event with the client options, `data:` = JSON of the superjson-serialised value with the seq
 * as `id:` (a tracked event), `ping` events, and `return` at the end. Requests this does not serve as is
 * (bad input, an unknown job) return null and go to tRPC, which answers them with its usual errors.
 */

/** The studio's SSE settings: tRPC (server/api/trpc.ts) sends them too. */
export const sseOptions = {
  // Keeps idle SSE connections open through proxies; the client reconnects with lastEventId otherwise.
  ping: { enabled: true, intervalMs: 5_000 },
  client: { reconnectAfterInactivityMs: 15_000 },
};

export const jobEventsInput = z.object({ jobId: z.string().min(1), lastEventId: z.string().nullish() });

/** The seq to resume after, or null when `lastEventId` is not one. */
export function afterSeqOf(lastEventId: string | null | undefined): number | null {
  const after = lastEventId ? Number(lastEventId) : 0;
  return Number.isInteger(after) && after >= 0 ? after : null;
}

const headers = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
  Connection: "keep-alive",
};

const encoder = new TextEncoder();
const CONNECTED = encoder.encode(`event: connected\ndata: ${JSON.stringify(sseOptions.client)}\n\n`);
const PING = encoder.encode("event: ping\ndata: \n\n");
const RETURN = encoder.encode("event: return\ndata: \n\n");

/** Live events are shared by all subscribers, so each is encoded once; backlog events are read per subscriber. */
const frames = new WeakMap<JobEvent, Uint8Array>();

export function eventFrame(event: JobEvent): Uint8Array {
  let frame = frames.get(event);
  if (!frame) {
    frame = encoder.encode(`id: ${event.seq}\ndata: ${JSON.stringify(superjson.serialize(event))}\n\n`);
    frames.set(event, frame);
  }
  return frame;
}

/**
 * The SSE body for one subscriber. Frames go out as soon as the reader can take them; while it cannot (the
 * socket is busy), events gather in the follower and leave as one chunk. A ping goes out after a quiet ping
 * interval. The stream closes after `return` once the job has finished, or when `signal` aborts.
 */
export function jobEventStream(db: Db, bus: JobBus, jobId: string, afterSeq: number, signal?: AbortSignal): ReadableStream<Uint8Array> {
  let follower: JobEventFollower | null = null;
  let timer: NodeJS.Timeout | null = null;
  let quiet = true;
  let stream: ReadableStreamDefaultController<Uint8Array> | null = null;

  const stop = () => {
    follower?.close();
    if (timer) clearInterval(timer);
    timer = null;
    signal?.removeEventListener("abort", end);
    stream = null;
  };
  const end = () => {
    const controller = stream;
    stop();
    controller?.close();
  };
  /** Re-entered from enqueue() (which may call pull at once): state is settled before each enqueue. */
  const flush = () => {
    const controller = stream;
    if (!controller || !follower || (controller.desiredSize ?? 0) <= 0) return;
    let chunks: Uint8Array[];
    try {
      chunks = follower.take().map(eventFrame);
    } catch (e) {
      // A failed read (a busy database): the client reconnects and resumes after the last id it got.
      console.error(`streaming events of job ${jobId} failed: ${(e as Error).message}`);
      stop();
      controller.error(e);
      return;
    }
    const done = follower.done;
    if (done) {
      chunks.push(RETURN);
      stop();
    }
    if (chunks.length > 0) {
      quiet = false;
      controller.enqueue(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    }
    if (done) controller.close();
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        stream = controller;
        controller.enqueue(CONNECTED);
        if (signal?.aborted) return end();
        signal?.addEventListener("abort", end);
        follower = new JobEventFollower(db, bus, jobId, afterSeq, flush);
        const { intervalMs } = sseOptions.ping;
        timer = setInterval(() => {
          if (quiet && stream && (stream.desiredSize ?? 0) > 0) stream.enqueue(PING);
          quiet = true;
        }, intervalMs);
        timer.unref();
      },
      pull: flush,
      cancel: stop,
    },
    { highWaterMark: 1 },
  );
}

/**
 * Serves `GET {endpoint}/jobs.events?input=…` (what httpSubscriptionLink requests) for an existing job;
 * null for anything else. The input is read as tRPC reads it: superjson-serialised JSON in `input`, with a
 * Last-Event-ID header (or lastEventId query parameter) replacing its lastEventId.
 */
export function jobEventsResponse(db: Db, bus: JobBus, req: Request, endpoint: string): Response | null {
  if (req.method !== "GET") return null;
  const url = new URL(req.url);
  if (url.pathname !== `${endpoint}/jobs.events`) return null;
  let raw: unknown;
  try {
    const input = url.searchParams.get("input");
    raw = input === null ? undefined : superjson.deserialize(JSON.parse(input));
  } catch {
    return null;
  }
  const lastEventId = req.headers.get("last-event-id") ?? url.searchParams.get("lastEventId") ?? url.searchParams.get("Last-Event-Id");
  if (lastEventId && typeof raw === "object" && raw !== null) raw = { ...raw, lastEventId };
  const input = jobEventsInput.safeParse(raw);
  if (!input.success) return null;
  const after = afterSeqOf(input.data.lastEventId);
  if (after === null || !jobRow(db, input.data.jobId)) return null;
  return new Response(jobEventStream(db, bus, input.data.jobId, after, req.signal), { headers });
}
