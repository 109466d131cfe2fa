import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { jobEvent, type JobEvent } from "~/lib/contracts/events";

type EventBody = JobEvent extends infer E ? (E extends JobEvent ? Omit<E, "seq" | "time"> : never) : never;

/**
 * Appends validated events to a run folder's events.jsonl. `seq` continues from the lines already there, so
 * a resumed writer keeps the sequence contiguous. Each line is one write(2) on an O_APPEND descriptor, so a
 * tailer never sees half a line from a finished write.
 */
export class EventWriter {
  private readonly fd: number;
  private seq: number;

  constructor(path: string) {
    this.seq = existsSync(path) ? countLines(readFileSync(path, "utf8")) : 0;
    this.fd = openSync(path, "a");
  }

  emit(body: EventBody): JobEvent {
    const event = jobEvent.parse({ ...body, seq: this.seq + 1, time: Date.now() / 1000 });
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
    this.seq += 1;
    return event;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function countLines(text: string): number {
  return text.split("\n").filter((line) => line.trim() !== "").length;
}
