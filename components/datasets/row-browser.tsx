"use client";

import { useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState } from "react";
import { formatCount } from "~/lib/format";
import { useTRPC } from "~/lib/trpc/react";
import { SnippetText } from "./snippet-text";
import styles from "./datasets.module.css";
import { useSearchParam } from "./use-search-param";

const PAGE_SIZE = 100;
const ROW_HEIGHT = 58;
const LIST_HEIGHT = 520;
const SEARCH_DEBOUNCE_MS = 300;

/**
 * The dataset's rows, or those matching a full-text search, in a virtualized list: only the rows on screen are
 * rendered, and only the pages they fall in are fetched, so a million-row dataset scrolls like a small one.
 * The search lives in the URL (?q=) so it can be shared and survives a reload.
 */
export function RowBrowser(props: {
  datasetId: string;
  rowCount: number;
  selectedIdx: number | null;
  onSelect: (idx: number) => void;
}) {
  const [q, setQ] = useSearchParam("q");
  const search = q?.trim() || null;
  const [draft, setDraft] = useState(q ?? "");
  useEffect(() => {
    const next = draft.trim() || null;
    if (next === search) return;
    const timer = setTimeout(() => setQ(next), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft, search, setQ]);

  const firstPage = usePage(props.datasetId, search, 0);
  const total = search ? (firstPage.data?.total ?? 0) : props.rowCount;

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  // A new search starts at its first match.
  useEffect(() => virtualizer.scrollToOffset(0), [search, virtualizer]);

  return (
    <div className="panel" style={{ marginBottom: 0 }}>
      <div className="row" style={{ marginBottom: "0.5rem" }}>
        <input
          type="search"
          placeholder="Search prompts and responses…"
          aria-label="Search rows"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          style={{ flex: 1 }}
        />
        <span className="small muted" data-testid="search-count" aria-live="polite">
          {search
            ? firstPage.isPending
              ? "searching…"
              : `${formatCount(total)}${firstPage.data?.totalCapped ? "+" : ""} ${total === 1 ? "row matches" : "rows match"} “${search}”`
            : `${formatCount(total)} rows`}
        </span>
      </div>
      {firstPage.error && <p className="error" role="alert">{firstPage.error.message}</p>}
      {!firstPage.isPending && total === 0 && (
        <p className="muted">{search ? "No row matches this search." : "This dataset has no rows."}</p>
      )}
      <div
        ref={scroller}
        className={styles.rowList}
        data-testid="row-list"
        // A handful of matches should not sit in a mostly empty box.
        style={{ height: Math.min(LIST_HEIGHT, total * ROW_HEIGHT + 1), display: total === 0 ? "none" : undefined }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => (
            <div
              key={item.key}
              style={{ position: "absolute", top: 0, left: 0, right: 0, height: item.size, transform: `translateY(${item.start}px)` }}
            >
              <BrowserRow
                datasetId={props.datasetId}
                search={search}
                position={item.index}
                selectedIdx={props.selectedIdx}
                onSelect={props.onSelect}
              />
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

/**
 * One page of rows or matches. Every visible row asks for its page; React Query shares one request per page.
 * Both procedures answer {total, rows} so a row renders the same whichever is active.
 */
function usePage(datasetId: string, search: string | null, page: number) {
  const trpc = useTRPC();
  const offset = page * PAGE_SIZE;
  const browse = useQuery({
    ...trpc.datasets.rows.queryOptions({ id: datasetId, offset, limit: PAGE_SIZE }),
    enabled: search == null,
    staleTime: Infinity,
  });
  const found = useQuery({
    ...trpc.datasets.search.queryOptions({ id: datasetId, q: search ?? "", offset, limit: PAGE_SIZE }),
    enabled: search != null,
    staleTime: Infinity,
  });
  return search == null ? browse : found;
}

function BrowserRow(props: {
  datasetId: string;
  search: string | null;
  position: number;
  selectedIdx: number | null;
  onSelect: (idx: number) => void;
}) {
  const page = usePage(props.datasetId, props.search, Math.floor(props.position / PAGE_SIZE));
  const row = page.data?.rows[props.position % PAGE_SIZE];
  if (!row) return <div className={`${styles.rowItem} muted small`}>{page.error ? page.error.message : "…"}</div>;
  const open = () => props.onSelect(row.idx);
  return (
    <div
      role="button"
      tabIndex={0}
      data-testid="row-item"
      aria-pressed={props.selectedIdx === row.idx}
      className={styles.rowItem}
      onClick={open}
      onKeyDown={(e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), open())}
    >
      <span className={`${styles.rowIdx} mono muted`}>#{row.idx}</span>
      <span className={styles.rowText}>
        <span className={styles.line}>{typeof row.prompt === "string" ? row.prompt : <SnippetText parts={row.prompt} />}</span>
        <span className={`${styles.line} muted small`}>
          {typeof row.response === "string" ? row.response : <SnippetText parts={row.response} />}
        </span>
      </span>
      {"turns" in row && row.turns > 1 && <span className="badge">{row.turns} turns</span>}
      {"isDuplicate" in row && row.isDuplicate && <span className="badge">duplicate</span>}
    </div>
  );
}
