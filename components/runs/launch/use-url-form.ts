"use client";

import { useCallback, useState } from "react";
import { parseStoredForm, type LaunchForm } from "~/lib/runs/form";

/**
 * Launch-form state mirrored into the page URL (?f=JSON), so a reload, a shared link or "clone run" brings
 * the same form back. history.replaceState keeps it to one history entry.
 */
export function useUrlForm(initial: { f: string | null; dataset: string | null }): [LaunchForm, (next: LaunchForm) => void] {
  const [form, setForm] = useState(() => parseStoredForm(initial.f, initial.dataset ?? undefined));
  const update = useCallback((next: LaunchForm) => {
    setForm(next);
    const params = new URLSearchParams(window.location.search);
    params.set("f", JSON.stringify(next));
    params.delete("dataset");
    window.history.replaceState(null, "", `${window.location.pathname}?${params}`);
  }, []);
  return [form, update];
}
