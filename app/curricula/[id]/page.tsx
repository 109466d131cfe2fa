import type { z } from "zod";
import { CurriculumLaunch } from "~/components/curriculum/curriculum-launch";
import { foundOr404 } from "~/app/found";
import { launchForm } from "~/lib/runs/form";

/** A field of the launch form from the query string; missing or invalid: the form's default. */
function field(schema: z.ZodType<number>, value: string | string[] | undefined): number {
  const parsed = schema.safeParse(typeof value === "string" ? Number(value) : undefined);
  return parsed.success ? parsed.data : schema.parse(undefined);
}

/** ?batch= and ?accum= come from the designer's save link: the launch opens with the batching its preview counted steps with. */
export default async function SavedCurriculumPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  await foundOr404((api) => api.curriculum.get({ id }));
  const query = await searchParams;
  const batching = { batch_size: field(launchForm.shape.batchSize, query.batch), grad_accum: field(launchForm.shape.gradAccum, query.accum) };
  return <CurriculumLaunch id={id} initialBatching={batching} />;
}
