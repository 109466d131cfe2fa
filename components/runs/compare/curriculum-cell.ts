import type { RouterOutputs } from "~/components/trpc/types";

type Curriculum = RouterOutputs["runs"]["compare"][number]["curriculum"];

/** A curriculum in the settings table: its name and the start of its spec's hash instead of its flattened keys. */
export function curriculumLabel(c: Curriculum): string | null {
  return c ? `${c.name} · ${c.hash.slice(0, 12)}` : null;
}
