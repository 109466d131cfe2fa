"use client";

import { useSearchParams } from "next/navigation";
import { useCallback } from "react";

/**
 * A piece of page state kept in the URL query (?q=, ?row=), so it can be shared and survives a reload.
 * Setting it replaces the history entry (no entry per keystroke) through the History API, which Next keeps
 * in step with useSearchParams without asking the server for the page again.
 */
export function useSearchParam(name: string): [string | null, (value: string | null) => void] {
  const value = useSearchParams().get(name);
  const set = useCallback(
    (next: string | null) => {
      const url = new URL(window.location.href);
      if (next == null || next === "") url.searchParams.delete(name);
      else url.searchParams.set(name, next);
      // null state: Next copies its own entries in and updates useSearchParams (it ignores states it wrote).
      window.history.replaceState(null, "", url);
    },
    [name],
  );
  return [value, set];
}
