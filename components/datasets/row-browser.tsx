"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useId, useRef, useState } from "react";
import { ORIGIN_LABELS, ROW_ORIGINS, type RowOrigin } from "~/lib/contracts/generation";
import { moveCursor } from "~/lib/datasets/list-keys";
import { formatCount } from "~/lib/format";
import { useTRPC } from "~/components/trpc/react";
import { describeShare, useDomainInvalidation } from "./domain-panel";
import { SnippetText } from "./snippet-text";
import styles from "./datasets.module.css";
import { useSearchParam } from "~/components/use-search-param";

const PAGE_SIZE = 100;
const ROW_HEIGHT = 58;
const LIST_HEIGHT = 520;
const SEARCH_DEBOUNCE_MS = 300;
/**
 * Browsers cap an element's height (Chrome near 33.5 million px), so a million 58 px rows cannot share one
 * scroll area: the list scrolls through windows of this many rows, picked with a selector or "go to row".
 */
const WINDOW_ROWS = 200_000;

/**
 * The dataset's rows, or those matching a full-text search, in a virtualized list: only the rows on screen are
 * rendered, and only the pages they fall in are fetched, so a million-row dataset scrolls like a small one.
 * The search and the origin filter live in the URL (?q=, ?origin=) so they can be shared and survive a reload. The list is a listbox: arrows,
 * Page keys, Home and End move the selection, Enter opens the selected row, Escape closes the open one.
 */
export function RowBrowser(props: {
  datasetId: string;
  rowCount: number;
  selectedIdx: number | null;
  onSelect: (idx: number) => void;
  onClose: () => void;
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

  const [originParam, setOrigin] = useSearchParam("origin");
  const origin = (ROW_ORIGINS as readonly string[]).includes(originParam ?? "") ? (originParam as RowOrigin) : null;
  const [domainParam, setDomain] = useSearchParam("domain");
  const domain = domainParam === "1" ? true : domainParam === "0" ? false : null;
  const trpc = useTRPC();
  const origins = useQuery(trpc.datasets.origins.queryOptions({ id: props.datasetId }));
  const share = useQuery(trpc.datasets.domainShare.queryOptions({ id: props.datasetId }));
  const filter = { search, origin, domain };
  const firstPage = usePage(props.datasetId, filter, 0);
  const filtered = search != null || origin != null || domain != null;
  const total = filtered ? (firstPage.data?.total ?? 0) : props.rowCount;

  const [windowStart, setWindowStart] = useState(0);
  const windowCount = Math.max(0, Math.min(WINDOW_ROWS, total - windowStart));
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: windowCount,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  // A new search or filter starts at its first match.
  useEffect(() => {
    setWindowStart(0);
    virtualizer.scrollToOffset(0);
  }, [search, origin, domain, virtualizer]);
  // "Go to row" may first move the window; the scroll happens once the window's rows are laid out.
  const [target, setTarget] = useState<number | null>(null);
  useEffect(() => {
    if (target == null || target < windowStart || target >= windowStart + windowCount) return;
    virtualizer.scrollToIndex(target - windowStart, { align: "start" });
    setTarget(null);
  }, [target, windowStart, windowCount, virtualizer]);
  // The keyboard's selection, as a position in the current window; the open row is props.selectedIdx.
  const [cursor, setCursor] = useState<number | null>(null);
  useEffect(() => setCursor(null), [search, origin, domain, windowStart]);
  const cursorPage = usePage(props.datasetId, filter, Math.floor((windowStart + (cursor ?? 0)) / PAGE_SIZE));
  const cursorRow = cursor == null ? undefined : cursorPage.data?.rows[(windowStart + cursor) % PAGE_SIZE];
  const listId = useId();
  const onListKey = (e: React.KeyboardEvent) => {
    const next = moveCursor(e.key, cursor, windowCount, Math.floor(LIST_HEIGHT / ROW_HEIGHT));
    if (next != null) {
      e.preventDefault();
      setCursor(next);
      virtualizer.scrollToIndex(next);
    } else if ((e.key === "Enter" || e.key === " ") && cursorRow) {
      e.preventDefault();
      props.onSelect(cursorRow.idx);
    } else if (e.key === "Escape" && props.selectedIdx != null) {
      e.preventDefault();
      props.onClose();
    }
  };
  const goTo = (position: number) => {
    const clamped = Math.max(0, Math.min(total - 1, position));
    setWindowStart(Math.floor(clamped / WINDOW_ROWS) * WINDOW_ROWS);
    setTarget(clamped);
  };

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
        <select aria-label="Origin" value={origin ?? ""} onChange={(e) => setOrigin(e.target.value || null)} data-testid="origin-filter">
          <option value="">every origin</option>
          {ROW_ORIGINS.map((o) => (
            <option key={o} value={o} disabled={origins.data != null && origins.data.counts[o] === 0 && o !== origin}>
              {ORIGIN_LABELS[o]}
              {origins.data ? ` (${formatCount(origins.data.counts[o])})` : ""}
            </option>
          ))}
        </select>
        <select aria-label="Domain flag" value={domainParam === "1" || domainParam === "0" ? domainParam : ""} onChange={(e) => setDomain(e.target.value || null)} data-testid="domain-filter">
          <option value="">domain and other rows</option>
          <option value="1">domain rows{share.data ? ` (${formatCount(share.data.domain)})` : ""}</option>
          <option value="0">other rows{share.data ? ` (${formatCount(share.data.total - share.data.domain)})` : ""}</option>
        </select>
        <span className="small muted" data-testid="search-count" aria-live="polite">
          {search
            ? firstPage.isPending
              ? "searching…"
              : `${formatCount(total)}${firstPage.data?.totalCapped ? "+" : ""} ${total === 1 ? "row matches" : "rows match"} “${search}”${origin ? ` among the ${ORIGIN_LABELS[origin]} rows` : ""}${domain === null ? "" : domain ? " (domain rows)" : " (other rows)"}`
            : `${formatCount(total)} ${origin ? `${ORIGIN_LABELS[origin]} ` : ""}${domain === null ? "" : domain ? "domain " : "other "}rows`}
        </span>
      </div>
      {search != null && total > 0 && <FlagMatches datasetId={props.datasetId} filter={filter} search={search} total={total} capped={firstPage.data?.totalCapped ?? false} />}
      {(!filtered || total > WINDOW_ROWS) && total > 0 && (
        <div className="row small" style={{ marginBottom: "0.5rem" }}>
          {total > WINDOW_ROWS && (
            <select
              aria-label="Rows shown"
              value={windowStart}
              onChange={(e) => {
                setWindowStart(Number(e.target.value));
                virtualizer.scrollToOffset(0);
              }}
            >
              {Array.from({ length: Math.ceil(total / WINDOW_ROWS) }, (_, i) => i * WINDOW_ROWS).map((start) => (
                <option key={start} value={start}>
                  {search ? "matches" : "rows"} {formatCount(start)}–{formatCount(Math.min(total, start + WINDOW_ROWS) - 1)}
                </option>
              ))}
            </select>
          )}
          {!filtered && <GoToRow last={total - 1} onGo={goTo} />}
        </div>
      )}
      {firstPage.error && <p className="error" role="alert">{firstPage.error.message}</p>}
      {!firstPage.isPending && total === 0 && (
        <p className="muted">
          {search
            ? "No row matches this search."
            : origin
              ? `This dataset has no ${ORIGIN_LABELS[origin]} rows${domain === null ? "" : " with this domain flag"}.`
              : domain !== null
                ? `No row is ${domain ? "flagged as domain" : "left unflagged"}.`
                : "This dataset has no rows."}
        </p>
      )}
      <div
        ref={scroller}
        className={styles.rowList}
        data-testid="row-list"
        role="listbox"
        aria-label={search ? `Rows matching ${search}` : "Rows"}
        tabIndex={0}
        aria-activedescendant={cursor != null ? `${listId}-${windowStart + cursor}` : undefined}
        onKeyDown={onListKey}
        // A handful of matches should not sit in a mostly empty box.
        style={{ height: Math.min(LIST_HEIGHT, windowCount * ROW_HEIGHT + 1), display: total === 0 ? "none" : undefined }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => (
            <div
              key={item.key}
              style={{ position: "absolute", top: 0, left: 0, right: 0, height: item.size, transform: `translateY(${item.start}px)` }}
            >
              <BrowserRow
                id={`${listId}-${windowStart + item.index}`}
                datasetId={props.datasetId}
                filter={filter}
                position={windowStart + item.index}
                selected={cursor === item.index}
                openIdx={props.selectedIdx}
                onSelect={(idx) => {
                  setCursor(item.index);
                  props.onSelect(idx);
                }}
              />
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

/** Jumps the browser to a row number (in browse order, row #n is at position n). */
function GoToRow({ last, onGo }: { last: number; onGo: (idx: number) => void }) {
  const [value, setValue] = useState("");
  return (
    <form
      className="row"
      style={{ gap: "0.4rem" }}
      onSubmit={(e) => {
        e.preventDefault();
        if (value !== "") onGo(Number(value));
      }}
    >
      <input
        type="number"
        min={0}
        max={last}
        placeholder={`row # (0–${formatCount(last)})`}
        aria-label="Go to row"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        style={{ width: "11rem" }}
      />
      <button type="submit" disabled={value === ""}>
        Go
      </button>
    </form>
  );
}

type Filter = { search: string | null; origin: RowOrigin | null; domain: boolean | null };

/** Flags or unflags every row the search finds (within the origin and domain filters), after the count is shown. */
function FlagMatches(props: { datasetId: string; filter: Filter; search: string; total: number; capped: boolean }) {
  const trpc = useTRPC();
  const invalidate = useDomainInvalidation(props.datasetId);
  const flag = useMutation(trpc.datasets.setSearchDomain.mutationOptions({ onSuccess: invalidate }));
  const set = (isDomain: boolean) => flag.mutate({ id: props.datasetId, q: props.search, origin: props.filter.origin, domain: props.filter.domain, isDomain });
  const rows = `${formatCount(props.total)}${props.capped ? "+" : ""} matching ${props.total === 1 ? "row" : "rows"}`;
  return (
    <div className="row small" style={{ marginBottom: "0.5rem" }}>
      <button type="button" data-testid="flag-matches" disabled={flag.isPending} onClick={() => set(true)}>
        Flag the {rows} as domain
      </button>
      <button type="button" data-testid="unflag-matches" disabled={flag.isPending} onClick={() => set(false)}>
        Unflag them
      </button>
      {flag.data && (
        <span role="status" data-testid="flag-matches-result">
          {formatCount(flag.data.changed)} {flag.variables?.isDomain ? "flagged" : "unflagged"}; now {describeShare(flag.data)} are domain.
        </span>
      )}
      {flag.error && <span className="error" role="alert">{flag.error.message}</span>}
    </div>
  );
}

/**
 * One page of rows or matches. Every visible row asks for its page; React Query shares one request per page.
 * Both procedures answer {total, rows} so a row renders the same whichever is active.
 */
function usePage(datasetId: string, { search, origin, domain }: Filter, page: number) {
  const trpc = useTRPC();
  const offset = page * PAGE_SIZE;
  const browse = useQuery({
    ...trpc.datasets.rows.queryOptions({ id: datasetId, offset, limit: PAGE_SIZE, origin, domain }),
    enabled: search == null,
    staleTime: Infinity,
  });
  const found = useQuery({
    ...trpc.datasets.search.queryOptions({ id: datasetId, q: search ?? "", offset, limit: PAGE_SIZE, origin, domain }),
    enabled: search != null,
    staleTime: Infinity,
  });
  return search == null ? browse : found;
}

function BrowserRow(props: {
  id: string;
  datasetId: string;
  filter: Filter;
  position: number;
  /** The keyboard's selection. */
  selected: boolean;
  /** The row open beside the list. */
  openIdx: number | null;
  onSelect: (idx: number) => void;
}) {
  const page = usePage(props.datasetId, props.filter, Math.floor(props.position / PAGE_SIZE));
  const row = page.data?.rows[props.position % PAGE_SIZE];
  if (!row)
    return (
      <div id={props.id} role="option" aria-selected={props.selected} className={`${styles.rowItem} muted small`}>
        {page.error ? page.error.message : "…"}
      </div>
    );
  return (
    <div
      id={props.id}
      role="option"
      data-testid="row-item"
      aria-selected={props.selected}
      aria-current={props.openIdx === row.idx ? "true" : undefined}
      className={styles.rowItem}
      onClick={() => props.onSelect(row.idx)}
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
      {"isDomain" in row && row.isDomain && <span className="badge" data-testid="row-domain-badge">domain</span>}
      {"origin" in row && row.origin !== "original" && <span className="badge" data-testid="row-origin-badge">{ORIGIN_LABELS[row.origin]}</span>}
    </div>
  );
}
