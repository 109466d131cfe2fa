import type { Db } from "~/db/client";
import type { JobEvent, JobEventType } from "~/lib/contracts/events";
import type { JobKind, JobSpec } from "~/lib/contracts/job";
import { onePerStep, type MetricPoint } from "~/lib/runs/metric-points";
import { jobRow, type JobRow, type JobStatus } from "./job-row";

/** With no event at all (not even a heartbeat) for this long, a running job is shown as stalled. */
export const STALL_AFTER_MS = 15_000;

export type JobFilter = { kind?: JobKind; datasetId?: string; status?: JobStatus };

type LastMetric = { step: number; stage: number; loss: number; time: number } | null;

function summarize(row: JobRow & { last_metric: string | null; last_event_time: number | null }, queue: Map<string, number>) {
  const metric = row.last_metric ? (JSON.parse(row.last_metric) as LastMetric) : null;
  const lastEventAt = row.last_event_time === null ? null : Math.round(row.last_event_time * 1000);
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    status: row.status,
    datasetId: row.dataset_id,
    device: row.device,
    progress: row.progress,
    error: row.error,
    lastSeq: row.last_seq,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    queuePosition: queue.get(row.id) ?? null,
    lastMetric: metric,
    lastEventAt,
    stalled: row.status === "running" && lastEventAt !== null && Date.now() - lastEventAt > STALL_AFTER_MS,
  };
}
export type JobSummary = ReturnType<typeof summarize>;

/** Newest first. The last metric and the last event time come from job_events' (job, type, seq) index. */
export function listJobs(db: Db, filter: JobFilter & { id?: string }, queue: Map<string, number>): JobSummary[] {
  const where: string[] = [];
  const args: string[] = [];
  if (filter.id) (where.push("j.id = ?"), args.push(filter.id));
  if (filter.kind) (where.push("j.kind = ?"), args.push(filter.kind));
  if (filter.datasetId) (where.push("j.dataset_id = ?"), args.push(filter.datasetId));
  if (filter.status) (where.push("j.status = ?"), args.push(filter.status));
  const rows = db.$client
    .prepare(
      `select j.*,
         (select json_object('step', json_extract(e.data, '$.step'), 'stage', json_extract(e.data, '$.stage'),
                             'loss', json_extract(e.data, '$.loss'), 'time', e.time)
          from job_events e where e.job_id = j.id and e.type = 'metric' order by e.seq desc limit 1) as last_metric,
         (select e.time from job_events e where e.job_id = j.id and e.seq = j.last_seq) as last_event_time
       from jobs j ${where.length ? `where ${where.join(" and ")}` : ""}
       order by j.created_at desc, j.id desc`,
    )
    .all(...args) as (JobRow & { last_metric: string | null; last_event_time: number | null })[];
  return rows.map((row) => summarize(row, queue));
}

/** One job: its row, its job.json, and the latest event of each type (the last progress, metric, log, ...). */
export function getJob(db: Db, id: string, queue: Map<string, number>) {
  const row = jobRow(db, id);
  if (!row) return null;
  const latest = db.$client
    .prepare(
      `select data from job_events where job_id = ? and seq in
         (select max(seq) from job_events where job_id = ? group by type) order by seq`,
    )
    .pluck()
    .all(id, id) as string[];
  const lastEvents: Partial<Record<JobEventType, JobEvent>> = {};
  for (const data of latest) {
    const event = JSON.parse(data) as JobEvent;
    lastEvents[event.type] = event;
  }
  const [summary] = listJobs(db, { id }, queue);
  return { ...summary!, runDir: row.run_dir, spec: JSON.parse(row.spec) as JobSpec, lastEvents };
}

/** A stored metric event as charts read it: every field present (null where the event had none), with its time. */
export type StoredMetricPoint = Required<MetricPoint> & { time: number };

/** A job's metric events as flat points for charting, in order: one per step, the last attempt's (onePerStep). */
export function metricSeries(db: Db, id: string): StoredMetricPoint[] {
  const all = db.$client
    .prepare(
      `select seq, json_extract(data, '$.step') as step, json_extract(data, '$.stage') as stage,
         json_extract(data, '$.loss') as loss, json_extract(data, '$.kd_loss') as kd_loss,
         json_extract(data, '$.ce_loss') as ce_loss, json_extract(data, '$.temperature') as temperature,
         json_extract(data, '$.tokens_seen') as tokens_seen, time
       from job_events where job_id = ? and type = 'metric' order by seq`,
    )
    .all(id) as StoredMetricPoint[];
  return onePerStep(all);
}
