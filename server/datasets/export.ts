import { and, asc, eq, gt, gte, sql } from "drizzle-orm";
import type { Db } from "~/db/client";
import { datasetRows, rejectedRows } from "~/db/schema";
import { messagesToAlpaca, storedMessages, storedMessagesJson, storedSource, type AlpacaSource } from "~/server/ingest/canonical";

export type ExportForm = "alpaca" | "messages";
const PAGE = 1000;

/**
 * A dataset as JSON Lines, one string per row ending in "\n". "alpaca" gives LLaMA-Factory's
 * instruction/input/output(/system/history), the imported fields verbatim where the row came from Alpaca;
 * "messages" gives TRL's {"messages":[{role, content}]}. Reads in pages by position, so the connection is
 * free between pages and memory stays flat.
 */
export async function* exportJsonl(db: Db, datasetId: string, form: ExportForm): AsyncGenerator<string> {
  const page = db
    .select({ idx: datasetRows.idx, messages: datasetRows.messages, source: datasetRows.source, prompt: datasetRows.prompt, response: datasetRows.response })
    .from(datasetRows)
    .where(and(eq(datasetRows.datasetId, datasetId), gte(datasetRows.idx, sql.placeholder("next"))))
    .orderBy(asc(datasetRows.idx))
    .limit(PAGE)
    .prepare();
  for (let next = 0; ; ) {
    const rows = page.all({ next });
    if (rows.length === 0) return;
    for (const row of rows) {
      yield form === "messages" ? `{"messages":${storedMessagesJson(row)}}\n` : `${JSON.stringify(alpacaOf(row))}\n`;
    }
    next = rows[rows.length - 1].idx + 1;
  }
}

type StoredText = { messages: string; source: string | null; prompt: string; response: string };

function alpacaOf(row: StoredText): AlpacaSource {
  return storedSource(row) ?? messagesToAlpaca(storedMessages(row));
}

/** The rejected records of an import as JSON Lines ({line, reason, raw}), in file order. */
export async function* exportRejectedJsonl(db: Db, datasetId: string): AsyncGenerator<string> {
  const page = db
    .select({ id: rejectedRows.id, line: rejectedRows.sourceLine, reason: rejectedRows.reason, raw: rejectedRows.raw })
    .from(rejectedRows)
    .where(and(eq(rejectedRows.datasetId, datasetId), gt(rejectedRows.id, sql.placeholder("after"))))
    .orderBy(asc(rejectedRows.id))
    .limit(PAGE)
    .prepare();
  for (let after = 0; ; ) {
    const rows = page.all({ after });
    if (rows.length === 0) return;
    for (const { line, reason, raw } of rows) yield `${JSON.stringify({ line, reason, raw })}\n`;
    after = rows[rows.length - 1].id;
  }
}
