import { afterEach, expect, it } from "vitest";
import type { JobEvent } from "~/lib/contracts/events";
import { publish, subscriberCount } from "./bus";
import { finishJob, storeEvents } from "./event-store";
import { streamJobEvents } from "./event-stream";
import { insertRunningJob, range, tempStudio, type Studio } from "./test-support";

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
});

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
  return { db: studio.db, store };
}

async function take(stream: AsyncGenerator<JobEvent>, n: number): Promise<number[]> {
  const seqs: number[] = [];
  while (seqs.length < n) seqs.push((await stream.next()).value!.seq);
  return seqs;
}

it("joins backlog and live events without a gap or a repeat, fills gaps and resyncs from SQLite", async () => {
  const { db, store } = setup();
  store([1, 2, 3]);
  const stream = streamJobEvents(db, "s1", 1);
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
  finishJob(db, "s1", "succeeded", null);
  publish("s1", { kind: "status", status: "succeeded" });
  expect(await take(stream, 1)).toEqual([10]);
  expect((await stream.next()).done).toBe(true);
  expect(subscriberCount("s1")).toBe(0);
});

it("returns the whole backlog and ends at once for a finished job", async () => {
  const { db, store } = setup();
  store(range(1, 2_500));
  finishJob(db, "s1", "failed", "x");
  const seqs: number[] = [];
  for await (const event of streamJobEvents(db, "s1", 0)) seqs.push(event.seq);
  expect(seqs).toEqual(range(1, 2_500));
});

it("stops when the signal aborts", async () => {
  const { db } = setup();
  const controller = new AbortController();
  const stream = streamJobEvents(db, "s1", 0, controller.signal);
  const next = stream.next();
  controller.abort();
  expect((await next).done).toBe(true);
  expect(subscriberCount("s1")).toBe(0);
});
