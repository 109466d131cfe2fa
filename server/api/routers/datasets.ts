import type { TRPCRouterRecord } from "@trpc/server";
import { rm } from "node:fs/promises";
import { extname } from "node:path";
import { z } from "zod";
import { splitHighlights } from "~/lib/datasets/highlight";
import { describePosition } from "~/lib/datasets/position";
import { rowOrigin } from "~/lib/contracts/generation";
import { importMapping, ingestFormat } from "~/lib/contracts/job";
import { searchText } from "~/lib/contracts/text-bounds";
import { Conflict, NotFound } from "~/lib/errors";
import { deleteDataset, getDataset, listDatasets, MAX_NAME_LENGTH, renameDataset } from "~/server/datasets/catalog";
import { lengthHistogram } from "~/server/datasets/histogram";
import { domainShare, flagByTaskType, setRowDomain, setSearchDomain } from "~/server/datasets/domain-flags";
import { filteredCount, getRow, MAX_PAGE, originCounts, rejectedRows, rowsPage } from "~/server/datasets/rows";
import { searchRows, SNIPPET_CLOSE, SNIPPET_OPEN } from "~/server/datasets/search";
import { startDatasetImport } from "~/server/datasets/start-import";
import { detectColumns } from "~/server/ingest/detect-columns";
import { MAX_FILE_NAME, uploadPath } from "~/server/uploads/store";
import { publicProcedure } from "../trpc";

const byId = z.object({ id: z.string().min(1, "a dataset id is required").max(100, "a dataset id is at most 100 characters") });
const page = {
  offset: z.number().int().min(0, "offset must be 0 or more"),
  limit: z.number().int().min(1, "limit must be at least 1").max(MAX_PAGE, `limit must be at most ${MAX_PAGE}`),
  /** Only rows of this origin (imported, a teacher's answer, expanded, rewritten). */
  origin: rowOrigin.nullable().default(null),
  /** Only rows flagged as domain (true) or the others (false), KD + DAE. */
  domain: z.boolean().nullable().default(null),
};
const name = z
  .string()
  .trim()
  .min(1, "a dataset name cannot be empty")
  .max(MAX_NAME_LENGTH, `a dataset name is at most ${MAX_NAME_LENGTH} characters`);
const uploadId = z.string().min(1, "an upload id is required").max(100, "an upload id is at most 100 characters");
const originalName = z.string().min(1).max(MAX_FILE_NAME, `a file name is at most ${MAX_FILE_NAME} characters`).optional();

const highlight = (snippet: string) => splitHighlights(snippet, SNIPPET_OPEN, SNIPPET_CLOSE);

export const datasetsRouter = {
  list: publicProcedure.query(({ ctx }) => listDatasets(ctx.db)),

  /** The dataset with its counts, status, and the import's error when it failed. */
  get: publicProcedure.input(byId).query(({ ctx, input }) => getDataset(ctx.db, input.id)),

  rename: publicProcedure.input(byId.extend({ name })).mutation(({ ctx, input }) => renameDataset(ctx.db, input.id, input.name)),

  delete: publicProcedure.input(byId).mutation(({ ctx, input }) => {
    if (getDataset(ctx.db, input.id).status === "importing") {
      throw new Conflict("this dataset is still importing: cancel the import first, then delete it");
    }
    deleteDataset(ctx.db, input.id);
    return { id: input.id };
  }),

  /** One page of rows in dataset order (of one origin or domain flag, when given), text cut to a preview, for the virtualized browser. */
  rows: publicProcedure.input(byId.extend(page)).query(({ ctx, input }) => {
    const dataset = getDataset(ctx.db, input.id);
    const total = input.origin === null && input.domain === null ? dataset.rowCount : filteredCount(ctx.db, input.id, input);
    return { total, totalCapped: false, rows: rowsPage(ctx.db, input.id, input, input.origin, input.domain) };
  }),

  /** KD + DAE: how many usable rows are flagged as domain, of how many. */
  domainShare: publicProcedure.input(byId).query(({ ctx, input }) => {
    getDataset(ctx.db, input.id);
    return domainShare(ctx.db, input.id);
  }),

  /** Flags the rows of these task types (hand label, else the tag pass's label) as domain; `replace` unflags the rest. */
  flagByTaskType: publicProcedure
    .input(
      byId.extend({
        tagResultId: z.string().max(100, "a tag pass id is at most 100 characters").nullable(),
        types: z.array(z.string().min(1).max(100, "a task type is at most 100 characters")).max(200),
        replace: z.boolean().default(true),
      }),
    )
    .mutation(({ ctx, input }) => {
      getDataset(ctx.db, input.id);
      return flagByTaskType(ctx.db, { datasetId: input.id, tagResultId: input.tagResultId, types: input.types, replace: input.replace });
    }),

  /** One row's domain flag, by hand. */
  setRowDomain: publicProcedure
    .input(byId.extend({ idx: z.number().int().min(0, "a row index is 0 or more"), isDomain: z.boolean() }))
    .mutation(({ ctx, input }) => {
      getDataset(ctx.db, input.id);
      setRowDomain(ctx.db, input.id, input.idx, input.isDomain);
      return domainShare(ctx.db, input.id);
    }),

  /** The domain flag of every row a search finds (within the browser's origin and domain filters). */
  setSearchDomain: publicProcedure
    .input(byId.extend({ q: searchText, origin: page.origin, domain: page.domain, isDomain: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      getDataset(ctx.db, input.id);
      const changed = await setSearchDomain(ctx.db, input.id, input.q, input.origin, input.domain, input.isDomain);
      return { changed, ...domainShare(ctx.db, input.id) };
    }),

  /** How many rows have each origin, and how many have an answer. */
  origins: publicProcedure.input(byId).query(({ ctx, input }) => {
    getDataset(ctx.db, input.id);
    return originCounts(ctx.db, input.id);
  }),

  /** Full-text search (all words must match); snippets come split into text and matched parts, never HTML. */
  search: publicProcedure
    .input(byId.extend({ q: searchText, ...page }))
    .query(async ({ ctx, input }) => {
      getDataset(ctx.db, input.id);
      const found = await searchRows(ctx.db, input.id, input.q, input, input.origin, input.domain);
      return {
        total: found.total,
        totalCapped: found.totalCapped,
        rows: found.hits.map((hit) => ({ idx: hit.idx, isDomain: hit.isDomain === 1, prompt: highlight(hit.promptSnippet), response: highlight(hit.responseSnippet) })),
      };
    }),

  /**
   * A whole row: its conversation turn by turn, where it was in the upload or the answers (`where`), its original
   * Alpaca fields, and where it came from (`origin`, with a generated row's `provenance`).
   */
  row: publicProcedure.input(byId.extend({ idx: z.number().int().min(0, "a row index is 0 or more") })).query(({ ctx, input }) => {
    const dataset = getDataset(ctx.db, input.id);
    const row = getRow(ctx.db, input.id, input.idx);
    if (!row) throw new NotFound(`row #${input.idx} does not exist: "${dataset.name}" has rows #0 to #${dataset.rowCount - 1}`);
    const { idx, sourceLine, messages, source, turns, promptLength, responseLength, isDuplicate, origin, provenance, isDomain } = row;
    const where = describePosition(dataset.format, sourceLine, row.startLine);
    return { idx, sourceLine, where, messages, source, turns, promptLength, responseLength, isDuplicate, origin, provenance, isDomain, lengthUnit: dataset.lengthUnit };
  }),

  /** Prompt and response length distributions in the dataset's length unit ("chars" until tokens are counted). */
  histogram: publicProcedure.input(byId.extend({ bins: z.number().int().min(1).max(200).default(30) })).query(({ ctx, input }) => {
    const dataset = getDataset(ctx.db, input.id);
    const prompt = lengthHistogram(ctx.db, input.id, "prompt", input.bins);
    const response = lengthHistogram(ctx.db, input.id, "response", input.bins);
    return { unit: dataset.lengthUnit, prompt: prompt.bins, response: response.bins };
  }),

  /** The records the import refused, with where they were (`where`) and why, in file order. */
  rejected: publicProcedure.input(byId.extend(page)).query(({ ctx, input }) => {
    const dataset = getDataset(ctx.db, input.id);
    const rows = rejectedRows(ctx.db, input.id, input).map((r) => ({ ...r, where: describePosition(dataset.format, r.sourceLine, r.startLine) }));
    return { total: dataset.rejectedCount, rows };
  }),

  /** What an upload looks like before importing: its format (sniffed unless given), columns, mapping, first records. */
  inspectUpload: publicProcedure
    .input(z.object({ uploadId, originalName, format: ingestFormat.optional() }))
    .query(async ({ input }) => {
      const path = await uploadPath(input.uploadId);
      return detectColumns(path, input.originalName ?? input.uploadId, input.format);
    }),

  /**
   * Creates the dataset (status "importing") and queues its ingest job; the upload is linked into the job's run
   * folder as its `source` and leaves the uploads folder. The dataset turns "ready" or "failed" when the job ends.
   */
  import: publicProcedure
    .input(z.object({ uploadId, name, originalName, format: ingestFormat, mapping: importMapping }))
    .mutation(async ({ ctx, input }) => {
      const path = await uploadPath(input.uploadId);
      const { name, format, mapping } = input;
      const started = await startDatasetImport(ctx.jobs, {
        name,
        originalName: input.originalName ?? input.uploadId,
        format,
        mapping,
        from: path,
        sourceName: `source${extname(path)}`,
      });
      await rm(path, { force: true });
      return started;
    }),
} satisfies TRPCRouterRecord;
