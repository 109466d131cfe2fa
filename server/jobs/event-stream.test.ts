import superjson from "superjson";
import { afterEach, expect, it } from "vitest";
import type { JobEvent } from "~/lib/contracts/events";
import { jobEventsResponse, jobEventStream } from "./event-sse";
import { storeEvents } from "./event-store";
import { JobStates } from "./job-state";
import { streamJobEvents } from "./event-stream";
import { insertRunningJob, range, tempStudio, type Studio } from "~/test/support/studio";
import type { JobBus } from "./bus";

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

/** The bus of the studio under test, which its manager and followers share. */
const bus = () => studio!.manager.bus;
const publish: JobBus["publish"] = (jobId, message) => bus().publish(jobId, message);
const subscriberCount = (jobId: string) => bus().subscriberCount(jobId);
/** Ends the job as the manager does: the status is stored, then published. */
const finish: JobStates["finish"] = (jobId, status, error) => new JobStates(studio!.db, bus()).finish(jobId, status, error);

function setup() {
  studio = tempStudio();
  insertRunningJob(studio, "s1");
  let offset = 0;
  /** Stores events (as the tailer would) without publishing them. */
  const store = (seqs: number[]): JobEvent[] => {
    const events = seqs.map((seq) => ({ seq, time: seq, type: "heartbeat" as const }));
    offset = storeEvents(studio!.db, "s1", offset, offset + seqs.length, events.map((event) => ({ event, line: JSON.stringify(event) })));
    return events;
  };
  /** Stores and publishes them, as the tailer does. */
  const emit = (seqs: number[]) => publish("s1", { kind: "events", events: store(seqs) });
  return { db: studio.db, store, emit };
}

async function take(stream: AsyncGenerator<JobEvent>, n: number): Promise<number[]> {
  const seqs: number[] = [];
  while (seqs.length < n) seqs.push((await stream.next()).value!.seq);
  return seqs;
}

it("joins backlog and live events without a gap or a repeat, fills gaps and resyncs from SQLite", async () => {
  const { db, store } = setup();
  store([1, 2, 3]);
  const stream = streamJobEvents(db, bus(), "s1", 1);
  const first = take(stream, 2); // subscribes, then reads the backlog 2..3
  expect(await first).toEqual([2, 3]);
  // Published again after being read from the backlog: dropped by seq.
  publish("s1", { kind: "events", events: [...store([4]), { seq: 3, time: 3, type: "heartbeat" }] });
  expect(await take(stream, 1)).toEqual([4]);
  // 5 and 6 were stored but their message never came: filled from SQLite before 7.
  store([5, 6]);
  publish("s1", { kind: "events", events: store([7]) });
  expect(await take(stream, 3)).toEqual([5, 6, 7]);
  store([8, 9]);
  publish("s1", { kind: "resync" });
  expect(await take(stream, 2)).toEqual([8, 9]);
  // Finishing: events stored before the status change still come, then the stream ends.
  store([10]);
  finish("s1", "succeeded", null);
  expect(await take(stream, 1)).toEqual([10]);
  expect((await stream.next()).done).toBe(true);
  expect(subscriberCount("s1")).toBe(0);
});

it("returns the whole backlog and ends at once for a finished job", async () => {
  const { db, store } = setup();
  store(range(1, 2_500));
  finish("s1", "failed", "x");
  const seqs: number[] = [];
  for await (const event of streamJobEvents(db, bus(), "s1", 0)) seqs.push(event.seq);
  expect(seqs).toEqual(range(1, 2_500));
});

it("stops when the signal aborts", async () => {
  const { db } = setup();
  const controller = new AbortController();
  const stream = streamJobEvents(db, bus(), "s1", 0, controller.signal);
  const next = stream.next();
  controller.abort();
  expect((await next).done).toBe(true);
  expect(subscriberCount("s1")).toBe(0);
});

// The SSE body (event-sse.ts) on the same follower.

type Message = { event?: string; id?: string; data: string };

/** Reads SSE messages as EventSource splits them; counts the chunks they came in. */
async function readAll(body: ReadableStream<Uint8Array>, stopAfter = Infinity) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const messages: Message[] = [];
  let text = "";
  let chunks = 0;
  while (messages.length < stopAfter) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    text += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = text.indexOf("\n\n")) >= 0) {
      const message: Message = { data: "" };
      for (const line of text.slice(0, end).split("\n")) {
        const at = line.indexOf(": ");
        Object.assign(message, { [line.slice(0, at)]: line.slice(at + 2) });
      }
      messages.push(message);
      text = text.slice(end + 2);
    }
  }
  await reader.cancel();
  return { messages, chunks, seqs: messages.filter((m) => m.id).map((m) => (superjson.deserialize(JSON.parse(m.data)) as JobEvent).seq) };
}

it("speaks tRPC's SSE: connected, tracked events with their seq as id, return at the end", async () => {
  const { db, emit } = setup();
  emit([1, 2]);
  const body = jobEventStream(db, bus(), "s1", 0);
  const reading = readAll(body);
  await new Promise((r) => setTimeout(r, 10));
  emit([3]);
  finish("s1", "succeeded", null);
  const { messages, seqs } = await reading;
  expect(messages[0]).toEqual({ event: "connected", data: '{"reconnectAfterInactivityMs":15000}' });
  expect(messages[1]).toEqual({ id: "1", data: JSON.stringify(superjson.serialize({ seq: 1, time: 1, type: "heartbeat" })) });
  expect(seqs).toEqual([1, 2, 3]);
  expect(messages.at(-1)).toEqual({ event: "return", data: "" });
  expect(messages.filter((m) => m.event === "return")).toHaveLength(1);
  expect(subscriberCount("s1")).toBe(0);
});

it("a reader that stalls gets every event once and in order, gathered into fewer chunks, past the queue limit", async () => {
  const { db, emit } = setup();
  const body = jobEventStream(db, bus(), "s1", 0);
  const reader = body.getReader();
  await reader.read(); // connected; the (empty) backlog is read next and the stream follows the bus
  await new Promise((r) => setTimeout(r, 0));
  for (let seq = 1; seq <= 6_000; seq += 10) emit(range(seq, seq + 9));
  finish("s1", "succeeded", null);
  reader.releaseLock();
  const { seqs, chunks } = await readAll(body);
  expect(seqs).toEqual(range(1, 6_000));
  expect(chunks).toBeLessThan(20);
});

it("serves only valid requests for existing jobs, resuming after Last-Event-ID", async () => {
  const { db, emit } = setup();
  emit([1, 2, 3]);
  const url = (input: unknown) => `http://x/api/trpc/jobs.events?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
  const get = (input: unknown, headers: Record<string, string> = {}) => jobEventsResponse(db, bus(), new Request(url(input), { headers }), "/api/trpc");
  expect(get({ jobId: "nope" })).toBeNull();
  expect(get({ jobId: "s1", lastEventId: "x" })).toBeNull();
  expect(get(undefined)).toBeNull();
  expect(jobEventsResponse(db, bus(), new Request("http://x/api/trpc/jobs.list"), "/api/trpc")).toBeNull();
  const response = get({ jobId: "s1", lastEventId: "1" }, { "Last-Event-ID": "2" })!;
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  expect((await readAll(response.body!, 2)).seqs).toEqual([3]);
  await new Promise((r) => setTimeout(r, 0));
  expect(subscriberCount("s1")).toBe(0);
});
