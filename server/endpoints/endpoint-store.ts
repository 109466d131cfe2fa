import { randomUUID } from "node:crypto";
import { desc, eq } from "drizzle-orm";
import type { Db } from "~/db/client";
import { endpoints } from "~/db/schema";
import { EMBEDDED_ENDPOINT_ID, type EndpointFields, type EndpointView } from "~/lib/contracts/endpoints";
import { BadRequest, NotFound } from "~/lib/errors";
import { endpointsWithKey, removeEndpointKey, setEndpointKey } from "./key-store";

/** The endpoints the user added: their settings in SQLite, their keys in the key file (only whether one is set leaves here). */

type EndpointRow = typeof endpoints.$inferSelect;

function view(row: EndpointRow, withKey: Set<string>): EndpointView {
  const { id, name, baseUrl, model, maxConcurrency, requestTimeoutS, inputPricePerM, outputPricePerM, createdAt } = row;
  return { id, name, baseUrl, model, maxConcurrency, requestTimeoutS, inputPricePerM, outputPricePerM, createdAt, hasKey: withKey.has(id) };
}

function row(db: Db, id: string): EndpointRow {
  if (id === EMBEDDED_ENDPOINT_ID) throw new BadRequest("the embedded endpoint is built in: it cannot be edited or deleted");
  const found = db.select().from(endpoints).where(eq(endpoints.id, id)).get();
  if (!found) throw new NotFound(`endpoint ${id} does not exist`);
  return found;
}

export function listEndpoints(db: Db, dataDir: string): EndpointView[] {
  const withKey = endpointsWithKey(dataDir);
  return db.select().from(endpoints).orderBy(desc(endpoints.createdAt)).all().map((r) => view(r, withKey));
}

/** Whether a job may name endpoint `id`: the embedded one, or one the user added. */
export function endpointExists(db: Db, id: string): boolean {
  return id === EMBEDDED_ENDPOINT_ID || db.select({ id: endpoints.id }).from(endpoints).where(eq(endpoints.id, id)).get() !== undefined;
}

export function getEndpoint(db: Db, dataDir: string, id: string): EndpointView {
  return view(row(db, id), endpointsWithKey(dataDir));
}

export function createEndpoint(db: Db, dataDir: string, input: EndpointFields & { apiKey?: string }): EndpointView {
  const { apiKey, ...fields } = input;
  const id = randomUUID();
  // The key first: an endpoint must never exist without the key the user gave it.
  if (apiKey) setEndpointKey(dataDir, id, apiKey);
  db.insert(endpoints).values({ id, ...fields }).run();
  return getEndpoint(db, dataDir, id);
}

export function updateEndpoint(db: Db, dataDir: string, input: EndpointFields & { id: string; apiKey?: string; clearKey?: boolean }): EndpointView {
  const { id, apiKey, clearKey, ...fields } = input;
  row(db, id);
  if (apiKey && clearKey) throw new BadRequest("give a new API key or clear the key, not both");
  db.update(endpoints).set(fields).where(eq(endpoints.id, id)).run();
  if (apiKey) setEndpointKey(dataDir, id, apiKey);
  if (clearKey) removeEndpointKey(dataDir, id);
  return getEndpoint(db, dataDir, id);
}

export function deleteEndpoint(db: Db, dataDir: string, id: string): void {
  row(db, id);
  db.delete(endpoints).where(eq(endpoints.id, id)).run();
  removeEndpointKey(dataDir, id);
}
