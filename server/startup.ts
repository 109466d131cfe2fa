import { getDb } from "~/db/client";

/** Opens the database (applying migrations) and starts background services. Idempotent. */
export async function startStudio() {
  getDb();
}
