import { Worker } from "node:worker_threads";

/** Runs in the thread: its own connection to the database, one PASSIVE checkpoint per message. */
const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require("better-sqlite3");
const db = new Database(workerData.file);
db.pragma("busy_timeout = 10000");
db.pragma("synchronous = NORMAL");
parentPort.on("message", (m) => {
  if (m === "close") {
    db.close();
    parentPort.close();
    return;
  }
  db.pragma("wal_checkpoint(PASSIVE)");
  parentPort.postMessage("done");
});
`;

/**
 * Checkpoints a bulk import's WAL from a second thread with its own connection, while the import's connection
 * (wal_autocheckpoint = 0) goes on writing: a checkpoint copies the committed pages into the database file and
 * fsyncs both files, which is mostly waiting for the disk, and in the importing thread that wait stalled the
 * import. A PASSIVE checkpoint never blocks the writer; the writer starts the WAL over whenever a checkpoint has
 * caught up with it. Durability is SQLite's own (synchronous = NORMAL on both connections).
 */
export class BackgroundCheckpointer {
  private readonly thread: Worker;
  private running = false;
  private again = false;
  private closed: Promise<void> | null = null;
  private failure: Error | null = null;

  /** `onFailure`: the thread could not checkpoint (the importing connection should then do it itself). */
  constructor(file: string, onFailure: (e: Error) => void) {
    this.thread = new Worker(THREAD, { eval: true, workerData: { file } });
    this.thread.on("message", () => {
      this.running = false;
      if (this.again) this.request();
    });
    this.thread.on("error", (e) => {
      this.failure = e;
      this.running = false;
      onFailure(e);
    });
    // Never the reason the process stays alive; an unfinished checkpoint is finished by the next one.
    this.thread.unref();
  }

  /** After a commit: checkpoint what is committed now (once the running checkpoint, if any, has ended). */
  request(): void {
    if (this.closed || this.failure) return;
    this.again = this.running;
    if (this.running) return;
    this.running = true;
    this.thread.postMessage("checkpoint");
  }

  /** Waits for the running checkpoint and closes the thread's connection. */
  close(): Promise<void> {
    if (this.failure) return Promise.resolve();
    this.closed ??= new Promise<void>((resolve) => {
      this.thread.once("exit", () => resolve());
      this.thread.ref();
      this.thread.postMessage("close");
    });
    return this.closed;
  }
}
