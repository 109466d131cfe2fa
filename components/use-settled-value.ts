"use client";

import { startTransition, useEffect, useState } from "react";

/**
 * `value` once it has stayed the same for `ms`: what slow views (Recharts charts, the URL) follow while a slider
 * is being moved, so each key costs only the counts table.
 */
export function useSettledValue<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    if (Object.is(value, settled)) return;
    // A transition: a key pressed while the slow view re-renders interrupts that render instead of waiting for it.
    const timer = setTimeout(() => startTransition(() => setSettled(value)), ms);
    return () => clearTimeout(timer);
  }, [value, settled, ms]);
  return settled;
}
