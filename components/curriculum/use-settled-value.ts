"use client";

import { useEffect, useState } from "react";

/**
 * `value` once it has stayed the same for `ms`: what slow views (Recharts charts, the URL) follow while a slider
 * is being moved, so each key costs only the counts table.
 */
export function useSettledValue<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    if (Object.is(value, settled)) return;
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, settled, ms]);
  return settled;
}
