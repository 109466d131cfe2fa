/**
 * Event latency, end to end: from the job process writing an event (its `time`, taken by the trainer's own
 * EventWriter) to an SSE client receiving it from the jobs router's `events` subscription over real HTTP
 * (tRPC's standalone adapter, the `eventsource` package as the client's EventSource). The job is the fixture
 * emitter run by the real job manager (detached process, tailer, SQLite, bus). Events before the client's
 * first live one are excluded, so the backlog read does not count.
 * Peer: LLaMA-Factory's web UI, which polls its trainer's log every 2 s: an event waits uniformly 0–2 s, so
 * p50 is compared with that poll's expected 1,000 ms and p95/max with its worst case, 2,000 ms.
 * Target: p95 ≤ 200 ms at 50 events/s.
 * Run: npx tsx bench/event-latency.bench.ts [events=2000] [rate=50] [subscribers=1]
 */
import { startJobManager, stopJobManager } from "~/server/jobs/start";
import { emitterJob, emitterLauncher, range, serveJobsRouter, tempStudio } from "~/server/jobs/test-support";

const events = Number(process.argv[2] ?? 2_000);
const rate = Number(process.argv[3] ?? 50);
const subscribers = Number(process.argv[4] ?? 1);
const POLL_MEAN_MS = 1_000;
const POLL_WORST_MS = 2_000;

function emit(metric: string, value: number, unit: string, peer?: { name: string; value: number }) {
  const line: Record<string, unknown> = { metric, value: Number(value.toFixed(3)), unit };
  if (peer) Object.assign(line, { peer: peer.name, peer_value: peer.value, ratio: Number((value / peer.value).toFixed(4)) });
  console.log(JSON.stringify(line));
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const temp = tempStudio();
temp.manager.detach();
const manager = startJobManager({ db: temp.db, dataDir: temp.dir, launcher: emitterLauncher, gpus: [], limits: { cpu: 1, light: 1 } });
const server = await serveJobsRouter(temp.db);
try {
  // The emitter waits before its first event so every client is connected and past the backlog by then.
  const job = await manager.createJob(emitterJob({ steps: events, rate, start_delay_s: 3 }, "latency"));
  const latencies = await Promise.all(
    range(1, subscribers).map(
      () =>
        new Promise<number[]>((resolve, reject) => {
          const ms: number[] = [];
          server.client().jobs.events.subscribe(
            { jobId: job.id },
            {
              onData: ({ data }) => {
                if (data.type === "metric") ms.push(Date.now() - data.time * 1000);
              },
              onComplete: () => resolve(ms),
              onError: reject,
            },
          );
        }),
    ),
  );
  const all = latencies.flat().sort((a, b) => a - b);
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  emit("event_latency_events", all.length, "events");
  emit("event_latency_subscribers", subscribers, "clients");
  emit("event_latency_rate", rate, "events/s");
  emit("event_latency_p50", percentile(all, 50), "ms", { name: "llamafactory_webui_2s_poll_mean", value: POLL_MEAN_MS });
  emit("event_latency_p95", percentile(all, 95), "ms", { name: "llamafactory_webui_2s_poll_worst", value: POLL_WORST_MS });
  emit("event_latency_mean", mean, "ms", { name: "llamafactory_webui_2s_poll_mean", value: POLL_MEAN_MS });
  emit("event_latency_max", all.at(-1)!, "ms", { name: "llamafactory_webui_2s_poll_worst", value: POLL_WORST_MS });
} finally {
  await server.close();
  stopJobManager();
  temp.cleanup();
}
