import Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { Conflict, NotFound } from "~/lib/errors";
import { errorResponse } from "./error-response";

describe("errorResponse: the error path of route handlers outside tRPC", () => {
  it("answers a NotFound with 404 and its message, as tRPC answers NOT_FOUND", async () => {
    const response = errorResponse("GET /api/datasets/nope/export", new NotFound("dataset nope does not exist (it may have been deleted)"));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "dataset nope does not exist (it may have been deleted)" });
  });

  it("answers a Conflict with 409", () => {
    expect(errorResponse("GET /api/runs/r/student", new Conflict("run r has no trained student yet")).status).toBe(409);
  });

  it("answers any other error with 500 and only an id, logging the error with where it happened and that id", async () => {
    const db = new Database(":memory:");
    db.close();
    let internal: unknown;
    try {
      db.prepare("select 1");
    } catch (e) {
      internal = e;
    }
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const response = errorResponse("GET /api/datasets/d/export", internal);
      expect(response.status).toBe(500);
      const body = await response.text();
      const id = /^\{"error":"internal error \(id ([0-9a-f]{8})\): the studio's log has the details"\}$/.exec(body)?.[1];
      expect(id).toBeDefined();
      expect(body).not.toMatch(/database connection|stack|\.ts\b|node_modules/);
      expect(body).not.toContain(process.cwd());
      expect(log).toHaveBeenCalledTimes(1);
      const [line, cause] = log.mock.calls[0]!;
      expect(line).toBe(`GET /api/datasets/d/export failed (error id ${id}):`);
      expect(cause).toBe(internal);
    } finally {
      log.mockRestore();
    }
  });
});
