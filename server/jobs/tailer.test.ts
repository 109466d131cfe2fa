import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it, vi } from "vitest";
import type { BusMessage } from "./bus";
import { jobRow } from "./job-row";
import { EventTailer } from "./tailer";
import { insertRunningJob, storedSeqs, tempStudio, type Studio } from "~/test/support/studio";

let studio: Studio | null = null;
afterEach(() => {
  studio?.cleanup();
  studio = null;
  vi.restoreAllMocks();
});

function setup() {
  studio = tempStudio();
  const file = join(insertRunningJob(studio, "j1"), "events.jsonl");
  const tailerAt = () => {
    const row = jobRow(studio!.db, "j1")!;
    return new EventTailer(studio!.db, studio!.manager.bus, "j1", file, { offset: row.eventsOffset, lastSeq: row.lastSeq });
  };
  return { file, tailerAt, db: studio.db };
}

const line = (seq: number, extra: Record<string, unknown> = { type: "heartbeat" }) => `${JSON.stringify({ seq, time: 1e9 + seq, ...extra })}\n`;

it("consumes only complete lines and picks a partial last line up once its newline arrives", () => {
  const { file, tailerAt, db } = setup();
  const tailer = tailerAt();
  expect(tailer.drain()).toBe(0); // no file yet
  const second = line(2);
  appendFileSync(file, line(1) + second.slice(0, 10));
  expect(tailer.drain()).toBe(1);
  expect(jobRow(db, "j1")!.eventsOffset).toBe(Buffer.byteLength(line(1)));
  appendFileSync(file, second.slice(10));
  expect(tailer.drain()).toBe(1);
  expect(storedSeqs(db, "j1")).toEqual([1, 2]);
});

it("skips invalid lines with a warning naming the byte, and stores progress", () => {
  const { file, tailerAt, db } = setup();
  const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
  appendFileSync(file, line(1) + "{not json\n" + line(2, { type: "metric", step: "x" }) + line(2, { type: "progress", current: 5, total: 20, unit: "rows" }));
  expect(tailerAt().drain()).toBe(2);
  expect(storedSeqs(db, "j1")).toEqual([1, 2]);
  expect(jobRow(db, "j1")!.progress).toBe(0.25);
  expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
    expect.stringMatching(/at byte \d+: not JSON/),
    expect.stringMatching(/at byte \d+: invalid event, step: /),
  ]);
});

it("reads a line longer than its read buffer", () => {
  const { file, tailerAt, db } = setup();
  const message = "x".repeat(3 << 20);
  appendFileSync(file, line(1, { type: "log", level: "info", message }) + line(2));
  expect(tailerAt().drain()).toBe(2);
  expect(storedSeqs(db, "j1")).toEqual([1, 2]);
});

it("a second tailer from a stale offset stores nothing twice, catches up, and tells its followers to resync", () => {
  const { file, tailerAt, db } = setup();
  appendFileSync(file, line(1) + line(2));
  const stale = tailerAt();
  expect(tailerAt().drain()).toBe(2);
  appendFileSync(file, line(3));
  const messages: BusMessage[] = [];
  const stop = studio!.manager.bus.listen("j1", (m) => messages.push(m));
  expect(stale.drain()).toBe(1);
  stop();
  expect(storedSeqs(db, "j1")).toEqual([1, 2, 3]);
  // Seqs 1–2 were published by the other tailer (in a real deployment, on another process's bus).
  expect(messages).toEqual([{ kind: "resync" }, { kind: "events", events: [expect.objectContaining({ seq: 3 })] }]);
});

it("publishes each stored batch on the bus in seq order", () => {
  const { file, tailerAt } = setup();
  const messages: BusMessage[] = [];
  const stop = studio!.manager.bus.listen("j1", (m) => messages.push(m));
  appendFileSync(file, line(1) + line(2));
  tailerAt().drain();
  stop();
  expect(messages).toEqual([{ kind: "events", events: [expect.objectContaining({ seq: 1 }), expect.objectContaining({ seq: 2 })] }]);
});
