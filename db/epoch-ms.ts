import { sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/**
 * A timestamp_ms column read as the number it is stored as (milliseconds since the epoch) instead of a Date,
 * for the rows whose readers compute with it or send it to pages as a number.
 */
export const epochMs = (column: SQLiteColumn) => sql<number>`${column}`;
