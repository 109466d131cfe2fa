"use client";

import { useCallback, useState } from "react";
import { type DesignerState, parseDesignerState } from "~/lib/planning/designer-state";

/** Designer state mirrored into ?s=JSON with history.replaceState (one history entry, no server round trip). */
export function useDesignerState(initial: string | null): [DesignerState, (patch: Partial<DesignerState>) => void] {
  const [state, setState] = useState(() => parseDesignerState(initial));
  const update = useCallback((patch: Partial<DesignerState>) => {
    setState((prev) => {
      const next = { ...prev, ...patch };
      const url = new URL(window.location.href);
      url.searchParams.set("s", JSON.stringify(next));
      window.history.replaceState(null, "", url);
      return next;
    });
  }, []);
  return [state, update];
}
