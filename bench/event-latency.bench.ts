/**
 * Event latency, end to end: from the job process writing an event (its `time`, taken by the trainer's own
 * EventWriter) to an SSE client receiving it from the jobs router's `events` subscription over real HTTP:
 * the studio's own endpoint (`next start` on the production build, /api/trpc) when a build exists, else the
 * studio's API handler (server/api/fetch-handler.ts, so the same SSE path) on plain node:http serving the jobs
 * router; tRPC's client with the `eventsource` package as its EventSource subscribes. The
 * job is the fixture emitter run by the real job manager (detached process, tailer, SQLite, bus). The
 * clients run in a separate process, as browsers would, and connect before the emitter's first event, so no
 * backlog read is counted.
 * Peer: LLaMA-Factory's web UI, which polls its trainer's log every 2 s: an event waits uniformly 0–2 s, so
 * p50 and the mean are compared with that poll's expected 1,000 ms and p95/max with its worst case, 2,000 ms.
 * Target: p95 ≤ 200 ms at 50 events/s, for one subscriber and for 50 at once (metric lines
 * `event_latency_*` and `event_latency_50_subscribers_*`; each case is its own server, job and client process).
 * Run: npx tsx bench/event-latency.bench.ts [events=2000] [rate=50] [subscribers=1,50] [next|standalone]
 * Profiling the studio: BENCH_NEXT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" passes Node flags to `next start`.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { emitterJob, emitterLauncher, jobsClient, range, serveJobsRouter, tempStudio, type Studio } from "~/test/support/studio";
import { startNextStudio } from "./next-studio";

const POLL_MEAN_MS = 1_000;
const POLL_WORST_MS = 2_000;
/** Long enough for the client process to start and connect before the first event. */
const START_DELAY_S = 6;
/** Also covers `next start` coming up on busy shared cores. */
const NEXT_START_DELAY_S = 25;

function emit(metric: string, value: number, unit: string, peer?: { name: string; value: number }) {
  const line: Record<string, unknown> = { metric, value: Number(value.toFixed(3)), unit };
  if (peer) Object.assign(line, { peer: peer.name, peer_value: peer.value, ratio: Number((value / peer.value).toFixed(4)) });
  console.log(JSON.stringify(line));
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Client process: subscribes `n` times; prints every metric event's latency (ms) and its own CPU time as JSON. */
async function clients(url: string, jobId: string, n: number) {
  const client = jobsClient(url);
  const all = await Promise.all(
    range(1, n).map(
      () =>
        new Promise<number[]>((resolve, reject) => {
          const ms: number[] = [];
          client.jobs.events.subscribe(
            { jobId },
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
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ latencies: all.flat(), cpuS: (cpu.user + cpu.system) / 1e6 }));
}

type Endpoint = { url: string; label: string; cpuS: () => number; close: () => Promise<void> };

/**
 * The studio itself (bench/next-studio.ts). The job is started first by a manager here, which then lets go of
 * it; the studio's own manager re-attaches at start-up and tails it, as after a restart.
 */
async function nextStudio(dataDir: string): Promise<Endpoint> {
  const studio = await startNextStudio(dataDir);
  return { url: `${studio.origin}/api/trpc`, label: "next start (the studio)", cpuS: studio.cpuS, close: studio.close };
}

async function standalone(studio: Studio): Promise<Endpoint> {
  const server = await serveJobsRouter(studio);
  const cpuS = () => {
    const cpu = process.cpuUsage();
    return (cpu.user + cpu.system) / 1e6;
  };
  return { url: server.url, label: "studio API handler on node:http (no Next)", cpuS, close: server.close };
}

async function main(events: number, rate: number, subscribers: number, serverKind: "next" | "standalone") {
  const m = subscribers === 1 ? "event_latency" : `event_latency_${subscribers}_subscribers`;
  const temp = tempStudio({ launcher: emitterLauncher });
  let endpoint: Endpoint | null = null;
  try {
    let jobId: string;
    if (serverKind === "next") {
      const job = await temp.manager.createJob(emitterJob({ steps: events, rate, start_delay_s: NEXT_START_DELAY_S }, "latency"));
      temp.manager.detach();
      jobId = job.id;
      endpoint = await nextStudio(temp.dir);
    } else {
      endpoint = await standalone(temp);
      jobId = (await temp.manager.createJob(emitterJob({ steps: events, rate, start_delay_s: START_DELAY_S }, "latency"))).id;
    }
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--clients", endpoint.url, jobId, String(subscribers)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    if (code !== 0) throw new Error(`the client process exited with code ${code}`);
    const serverCpuS = endpoint.cpuS();
    const result = JSON.parse(out) as { latencies: number[]; cpuS: number };
    const all = result.latencies.sort((a, b) => a - b);
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    console.log(JSON.stringify({ metric: `${m}_server`, value: endpoint.label, unit: "" }));
    emit(`${m}_events_received`, all.length, "events");
    emit(`${m}_subscribers`, subscribers, "clients");
    emit(`${m}_rate`, rate, "events/s");
    emit(`${m}_p50`, percentile(all, 50), "ms", { name: "llamafactory_webui_2s_poll_mean", value: POLL_MEAN_MS });
    emit(`${m}_p95`, percentile(all, 95), "ms", { name: "llamafactory_webui_2s_poll_worst", value: POLL_WORST_MS });
    emit(`${m}_mean`, mean, "ms", { name: "llamafactory_webui_2s_poll_mean", value: POLL_MEAN_MS });
    emit(`${m}_max`, all.at(-1)!, "ms", { name: "llamafactory_webui_2s_poll_worst", value: POLL_WORST_MS });
    // Whole-process CPU (start-up included): where the time goes when many clients share two cores.
    emit(`${m}_server_process_cpu`, serverCpuS, "s");
    emit(`${m}_client_process_cpu`, result.cpuS, "s");
  } finally {
    await endpoint?.close();
    temp.cleanup();
  }
}

const args = process.argv.slice(2);
if (args[0] === "--clients") await clients(args[1]!, args[2]!, Number(args[3]));
else {
  const serverKind = (args[3] ?? (existsSync(".next/BUILD_ID") ? "next" : "standalone")) as "next" | "standalone";
  for (const subscribers of (args[2] ?? "1,50").split(",").map(Number)) {
    await main(Number(args[0] ?? 2_000), Number(args[1] ?? 50), subscribers, serverKind);
  }
}
