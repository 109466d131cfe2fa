"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/components/trpc/react";

/** Picks the trained student of a succeeded run as a model folder (its path fills the path field). */
export function FinishedStudents(props: { testId: string; path: string; onPick: (path: string) => void }) {
  const trpc = useTRPC();
  const students = useQuery(trpc.runs.students.queryOptions());
  if (!students.data?.length) return null;
  return (
    <label>
      or a finished run&apos;s student
      <select data-testid={props.testId} value={students.data.some((s) => s.path === props.path) ? props.path : ""} onChange={(e) => e.target.value && props.onPick(e.target.value)}>
        <option value="">choose a run…</option>
        {students.data.map((s) => (
          <option key={s.runId} value={s.path}>
            {s.name}
          </option>
        ))}
      </select>
    </label>
  );
}
