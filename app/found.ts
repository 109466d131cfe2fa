import { notFound } from "next/navigation";
import { namesNoRecord, serverCaller } from "~/server/api/server-caller";
import { studio } from "~/server/startup";

/**
 * Looks up the record a page is about before rendering it: one that does not exist renders app/not-found.tsx
 * with HTTP 404, instead of a page that waits forever or answers 200 with an error in it.
 */
export async function foundOr404<T>(lookup: (api: ReturnType<typeof serverCaller>) => Promise<T>): Promise<T> {
  try {
    return await lookup(serverCaller(studio()));
  } catch (e) {
    if (namesNoRecord(e)) notFound();
    throw e;
  }
}
