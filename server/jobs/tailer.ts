import { closeSync, openSync, readSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import type { Db } from "~/db/client";
import { jobEvent } from "~/lib/contracts/events";
import type { JobBus } from "./bus";
import { storeEvents, type ParsedLine } from "./event-store";
import { jobRow } from "./job-row";

const READ_CHUNK = 1 << 20;
const NEWLINE = 0x0a;

/** Short enough that a missed fs.watch notification (network file systems, overlayfs) costs little latency. */
export const POLL_MS = 50;

/**
 * Tails one run folder's events.jsonl from a stored byte offset into SQLite and the bus. Only complete lines
 * are consumed: a partial last line stays unread until its newline arrives. Invalid lines are logged and
 * skipped (their bytes still count, so they are not re-read). fs.watch wakes it at once; a short poll covers
 * platforms where watch events are late or missing.
 */
export class EventTailer {
  private offset: number;
  private lastSeq: number;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly bus: JobBus,
    private readonly jobId: string,
    private readonly file: string,
    start: { offset: number; lastSeq: number },
  ) {
    this.offset = start.offset;
    this.lastSeq = start.lastSeq;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), POLL_MS);
    this.timer.unref();
    try {
      // Watch the folder, not the file: the file may not exist yet when the job is spawned.
      const name = basename(this.file);
      this.watcher = watch(dirname(this.file), (_event, changed) => {
        if (changed === null || changed === name) this.tick();
      });
      this.watcher.unref();
      this.watcher.on("error", () => this.watcher?.close());
    } catch {
      // Polling alone still works.
    }
    this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watcher?.close();
    this.watcher = null;
  }

  /**
   * A background drain must never throw into the event loop (it would take the studio down): a failure (a busy
   * database, a deleted job) is logged once and retried on the next tick.
   */
  private tick(): void {
    try {
      this.drain();
      this.lastError = null;
    } catch (e) {
      const message = (e as Error).message;
      if (message !== this.lastError) console.error(`tailing ${this.file} for job ${this.jobId} failed: ${message}`);
      this.lastError = message;
    }
  }

  /** Reads and stores everything complete up to the end of the file now; returns the number of events stored. */
  drain(): number {
    let fd: number;
    try {
      fd = openSync(this.file, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw e;
    }
    let stored = 0;
    try {
      let buf = Buffer.allocUnsafe(READ_CHUNK);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n === 0) break;
        const end = buf.lastIndexOf(NEWLINE, n - 1);
        if (end < 0) {
          if (n < buf.length) break; // a partial line still being written
          buf = Buffer.allocUnsafe(buf.length * 2); // one line longer than the buffer
          continue;
        }
        const readEnd = this.offset + n;
        stored += this.storeChunk(buf.subarray(0, end + 1));
        // Stop at the end of the file; but after a resync to another tailer's offset, read on from there.
        if (n < buf.length && this.offset >= readEnd - (n - 1 - end)) break;
      }
    } finally {
      closeSync(fd);
    }
    return stored;
  }

  private storeChunk(chunk: Buffer): number {
    const lines: ParsedLine[] = [];
    let lineStart = this.offset;
    let seq = this.lastSeq;
    for (const line of chunk.toString("utf8").split("\n")) {
      const at = lineStart;
      lineStart += Buffer.byteLength(line) + 1;
      if (line.trim() === "") continue;
      const parsed = this.parse(line, at);
      if (!parsed) continue;
      if (parsed.seq <= seq) {
        console.warn(`${this.file} at byte ${at}: seq ${parsed.seq} repeats (last stored ${seq}); skipped`);
        continue;
      }
      if (parsed.seq !== seq + 1) console.warn(`${this.file} at byte ${at}: seq jumps from ${seq} to ${parsed.seq}`);
      seq = parsed.seq;
      lines.push({ event: parsed, line });
    }
    const from = this.offset;
    const to = from + chunk.length;
    const held = storeEvents(this.db, this.jobId, from, to, lines);
    this.offset = held;
    if (held !== to) {
      // Another tailer (another studio process) stored this range; continue from where it got to, and have this
      // process's followers read those events from SQLite, as that tailer published them on its own bus.
      this.lastSeq = jobRow(this.db, this.jobId)?.lastSeq ?? seq;
      this.bus.publish(this.jobId, { kind: "resync" });
      return 0;
    }
    this.lastSeq = seq;
    if (lines.length > 0) this.bus.publish(this.jobId, { kind: "events", events: lines.map((l) => l.event) });
    return lines.length;
  }

  private parse(line: string, at: number) {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      console.warn(`${this.file} at byte ${at}: not JSON (${line.slice(0, 80)}); skipped`);
      return null;
    }
    const result = jobEvent.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0];
      console.warn(`${this.file} at byte ${at}: invalid event, ${issue?.path.join(".") || "line"}: ${issue?.message}; skipped`);
      return null;
    }
    return result.data;
  }
}
