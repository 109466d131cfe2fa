import { and, asc, desc, eq, getTableColumns, inArray, max, sql } from "drizzle-orm";
import type { Db } from "~/db/client";
import { jobEvents, jobs } from "~/db/schema";
import type { JobEvent, JobEventType } from "~/lib/contracts/events";
import type { JobKind, JobSpec, JobStatus } from "~/lib/contracts/job";
import { onePerStep, type MetricPoint } from "~/lib/runs/metric-points";
import { jobRow, type JobRow } from "./job-row";

/** With no event at all (not even a heartbeat) for this long, a running job is shown as stalled. */
export const STALL_AFTER_MS = 15_000;

export type JobFilter = { kind?: JobKind; datasetId?: string; status?: JobStatus };

type LastMetric = { step: number; stage: number; loss: number; time: number } | null;

function summarize(row: JobRow & { lastMetric: string | null; lastEventTime: number | null }, queue: Map<string, number>) {
  const metric = row.lastMetric ? (JSON.parse(row.lastMetric) as LastMetric) : null;
  const lastEventAt = row.lastEventTime === null ? null : Math.round(row.lastEventTime * 1000);
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    status: row.status,
    datasetId: row.datasetId,
    device: row.device,
    progress: row.progress,
    error: row.error,
    notice: row.notice,
    lastSeq: row.lastSeq,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    queuePosition: queue.get(row.id) ?? null,
    lastMetric: metric,
    lastEventAt,
    stalled: row.status === "running" && lastEventAt !== null && Date.now() - lastEventAt > STALL_AFTER_MS,
  };
}
export type JobSummary = ReturnType<typeof summarize>;

/** Newest first. The last metric and the last event time come from job_events' (job, type, seq) index. */
export function listJobs(db: Db, filter: JobFilter & { id?: string }, queue: Map<string, number>): JobSummary[] {
  const where = and(
    filter.id ? eq(jobs.id, filter.id) : undefined,
    filter.kind ? eq(jobs.kind, filter.kind) : undefined,
    filter.datasetId ? eq(jobs.datasetId, filter.datasetId) : undefined,
    filter.status ? eq(jobs.status, filter.status) : undefined,
  );
  const rows = db
    .select({
      ...getTableColumns(jobs),
      lastMetric: sql<string | null>`(select json_object('step', json_extract(e.data, '$.step'), 'stage', json_extract(e.data, '$.stage'),
                               'loss', json_extract(e.data, '$.loss'), 'time', e.time)
            from job_events e where e.job_id = ${jobs.id} and e.type = 'metric' order by e.seq desc limit 1)`,
      lastEventTime: sql<number | null>`(select e.time from job_events e where e.job_id = ${jobs.id} and e.seq = ${jobs.lastSeq})`,
    })
    .from(jobs)
    .where(where)
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .all();
  return rows.map((row) => summarize(row, queue));
}

/** One job: its row, its job.json, and the latest event of each type (the last progress, metric, log, ...). */
export function getJob(db: Db, id: string, queue: Map<string, number>) {
  const row = jobRow(db, id);
  if (!row) return null;
  const lastOfEachType = db.select({ seq: max(jobEvents.seq) }).from(jobEvents).where(eq(jobEvents.jobId, id)).groupBy(jobEvents.type);
  const latest = db
    .select({ data: jobEvents.data })
    .from(jobEvents)
    .where(and(eq(jobEvents.jobId, id), inArray(jobEvents.seq, lastOfEachType)))
    .orderBy(asc(jobEvents.seq))
    .all();
  const lastEvents: Partial<Record<JobEventType, JobEvent>> = {};
  for (const { data } of latest) {
    const event = JSON.parse(data) as JobEvent;
    lastEvents[event.type] = event;
  }
  const [summary] = listJobs(db, { id }, queue);
  return { ...summary!, runDir: row.runDir, spec: JSON.parse(row.spec) as JobSpec, lastEvents };
}

/** A stored metric event as charts read it: every field present (null where the event had none), with its time. */
export type StoredMetricPoint = Required<MetricPoint> & { time: number };

/** A job's metric events as flat points for charting, in order: one per step, the last attempt's (onePerStep). */
export function metricSeries(db: Db, id: string): StoredMetricPoint[] {
  // Raw: a long run has 100k+ metric events; with drizzle's mapping of each row it took 1.4-2x the CPU (bench/raw-sql.bench.ts).
  const all = db.$client
    .prepare(
      `select seq, json_extract(data, '$.step') as step, json_extract(data, '$.stage') as stage,
         json_extract(data, '$.loss') as loss, json_extract(data, '$.kd_loss') as kd_loss,
         json_extract(data, '$.ce_loss') as ce_loss, json_extract(data, '$.attn_loss') as attn_loss,
         json_extract(data, '$.temperature') as temperature,
         json_extract(data, '$.tokens_seen') as tokens_seen, json_extract(data, '$.bucket_loss') as bucket_loss,
         json_extract(data, '$.phase') as phase, json_extract(data, '$.group_loss') as group_loss, time
       from job_events where job_id = ? and type = 'metric' order by seq`,
    )
    .all(id) as (Omit<StoredMetricPoint, "bucket_loss" | "group_loss"> & {
    bucket_loss: string | Record<string, number> | null;
    group_loss: string | StoredMetricPoint["group_loss"];
  })[];
  const curve = onePerStep(all);
  // json_extract gives an object as its JSON text; parsed in place, without copying each point
  for (const p of curve) {
    if (typeof p.bucket_loss === "string") p.bucket_loss = JSON.parse(p.bucket_loss) as Record<string, number>;
    if (typeof p.group_loss === "string") p.group_loss = JSON.parse(p.group_loss) as StoredMetricPoint["group_loss"];
  }
  return curve as StoredMetricPoint[];
}
