"use client";

import { useCallback, useEffect, useState } from "react";
import { type DesignerState, parseDesignerState } from "~/lib/planning/designer-state";
import { useSettledValue } from "~/components/use-settled-value";

/** How long the design must rest before the URL follows: Next re-renders the router on every history write. */
const URL_SETTLE_MS = 100;

/** Designer state mirrored into ?s=JSON with history.replaceState (one history entry, no server round trip). */
export function useDesignerState(initial: string | null): [DesignerState, (patch: Partial<DesignerState>) => void] {
  const [state, setState] = useState(() => parseDesignerState(initial));
  const update = useCallback((patch: Partial<DesignerState>) => setState((prev) => ({ ...prev, ...patch })), []);
  const settled = useSettledValue(state, URL_SETTLE_MS);
  useEffect(() => {
    const url = new URL(window.location.href);
    const json = JSON.stringify(settled);
    if (url.searchParams.get("s") === json) return;
    url.searchParams.set("s", json);
    window.history.replaceState(null, "", url);
  }, [settled]);
  return [state, update];
}
