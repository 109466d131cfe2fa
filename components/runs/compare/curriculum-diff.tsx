"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "~/components/trpc/react";
import { SettingsTable } from "./settings-table";
import { curriculumLabel } from "./curriculum-cell";

/** The curricula of compared runs side by side: only the keys whose values differ. */
export function CurriculumDiff({ ids }: { ids: string[] }) {
  const trpc = useTRPC();
  const compared = useQuery(trpc.runs.compare.queryOptions({ ids }, { enabled: ids.length >= 2 }));
  if (ids.length < 2) return <p className="muted">Pick two or more runs on the <Link href="/runs">runs list</Link> to compare them.</p>;
  if (compared.error) return <p className="error">{compared.error.message}</p>;
  if (!compared.data) return <p className="muted">Loading runs…</p>;
  const runs = compared.data;
  return (
    <>
      <p className="small">
        <Link href={`/runs/compare?ids=${ids.join(",")}`}>Back to the comparison</Link>
      </p>
      <ul className="small" data-testid="curricula">
        {runs.map((r) => (
          <li key={r.id}>
            {r.name}: {curriculumLabel(r.curriculum) ?? "no saved curriculum (launched from the form)"}
          </li>
        ))}
      </ul>
      <SettingsTable runs={runs.map((r) => ({ id: r.id, name: r.name, settings: r.curriculum?.spec ?? null }))} />
    </>
  );
}
