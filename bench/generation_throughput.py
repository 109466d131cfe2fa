"""Generation throughput against the embedded llama.cpp server (issue 12.6): the same N prompts, answered

- by the trainer's answer job: a run folder and a real `python -m distill run` process, with a fresh, empty
  response cache each time, so nothing is served from it (its wall time includes the process start);
- by the peer, a bare loop of the `openai` client: AsyncOpenAI with a semaphore, at the same concurrency;
- one request at a time with the synchronous OpenAI client, as EasyDistill's scripts call a teacher (at
  concurrency 1 only);

each peer in its own Python process too, so every side's wall time includes starting Python and importing
`openai` (`steady_requests_per_s`, first answer to last, leaves every start-up cost out);

at each concurrency, the sides alternating over the repeats, then re-runs of the last finished job served
entirely from its cache (wall time of the process, median of three). The server is llama-cpp-python's, started as the studio
starts its embedded endpoint (`python -m distill.llama_server`, the arguments of server/endpoints/embedded-server.ts).
Every side sends the same messages (the user turn: instruction, blank line, input) and the same sampling
(temperature 0, top_p 1, max_tokens --max-tokens), so every side gets the same answers and token counts.

Prints JSON lines {"metric", "value", "unit"}: one per side and repeat (with the 1-minute load average before and
after, the client's CPU seconds and the server's CPU ms per request), then per concurrency the job's medians
with "peer" (the bare async loop), "peer_value" and "ratio" (the median of the per-repeat ratios, job / peer).
Run: .venv/bin/python bench/generation_throughput.py [--requests 500] [--concurrency 1,4,8] [--repeats 2]
     [--max-tokens 16] [--sides job,openai_async,openai_sync] [--server-args '--n_threads_batch 2']"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import resource
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import openai

REPO_ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("DISTILL_SHARED_DATASETS") or REPO_ROOT.parent / "shared" / "datasets")
MODEL = "smollm2-135m"
# server/endpoints/embedded-server.ts SERVER_ARGS: what the studio's embedded endpoint runs with.
SERVER_ARGS = ["--chat_format", "chatml", "--model_alias", MODEL, "--n_ctx", "2048", "--verbose", "False"]
TIMEOUT_S = 120
SIDES = ("job", "openai_async", "openai_sync")
CACHED_RERUNS = 3  # each takes seconds: cheap enough to take a median of


def emit(metric: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"metric": metric, "value": value, "unit": unit, **extra}), flush=True)


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process (/proc/PID/stat utime and stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def nice(pid: int) -> int:
    """The nice value of a running process (/proc/PID/stat field 19): the server must run at the bench's."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def client_cpu_s() -> float:
    """CPU seconds of this process and of its reaped children (a finished job process; not the server)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def prompts(n: int) -> list[str]:
    records = json.loads((DATASETS / "alpaca_en_demo.json").read_text(encoding="utf-8"))
    if n > len(records):
        sys.exit(f"alpaca_en_demo.json has {len(records)} rows; --requests {n} asks for more")
    return [r["instruction"] + (f"\n\n{r['input']}" if r.get("input") else "") for r in records[:n]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log_path: Path, extra_args: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with log_path.open("wb") as log:
        # stdin is a pipe we hold: distill.llama_server exits when it closes, even if this process is killed.
        server = subprocess.Popen([sys.executable, "-m", "distill.llama_server", "--host", "127.0.0.1", "--port",
                                   str(port), *SERVER_ARGS, *extra_args], stdin=subprocess.PIPE, stdout=log,
                                  stderr=subprocess.STDOUT, cwd=REPO_ROOT / "trainer")
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=5):
                return server, base_url
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                sys.exit(f"the llama server did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)


def run_job(run_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DISTILL_RESPONSE_CACHE"}
    return subprocess.run([sys.executable, "-m", "distill", "run", str(run_dir), *args], env=env,
                          capture_output=True, text=True, cwd=REPO_ROOT / "trainer")


def events(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines() if line.strip()]


def answer_job(work: Path, base_url: str, texts: list[str], concurrency: int, sampling: dict) -> dict:
    """A fresh run folder and a fresh, empty cache."""
    run_dir = Path(tempfile.mkdtemp(prefix=f"job-c{concurrency}-", dir=work))
    (run_dir / "data").mkdir()
    (run_dir / "data" / "rows.jsonl").write_text("".join(
        json.dumps({"id": f"alpaca-{i}", "messages": [{"role": "user", "content": t}]}) + "\n"
        for i, t in enumerate(texts)))
    job = {"schema_version": 1, "id": run_dir.name, "kind": "answer", "created_at": "2026-01-01T00:00:00Z",
           "endpoint": {"base_url": base_url, "model": MODEL, "concurrency": concurrency, "timeout_s": TIMEOUT_S},
           "sampling": sampling, "template": {"name": "answer", "version": 1, "text": "{prompt}"},
           "cache": str(run_dir / "cache.sqlite")}
    (run_dir / "job.json").write_text(json.dumps(job, indent=2))
    return timed_job(run_dir, len(texts))


def timed_job(run_dir: Path, requests: int, *args: str) -> dict:
    earlier = len(events(run_dir)) if (run_dir / "events.jsonl").exists() else 0  # a re-run appends to the log
    started = time.time()
    done = run_job(run_dir, *args)
    wall = time.time() - started
    if done.returncode != 0:
        sys.exit(f"the answer job in {run_dir} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    log = events(run_dir)[earlier:]
    result = log[-1]["result"]
    if result["rows"] != requests:
        sys.exit(f"the job finished {result['rows']} rows of {requests}")
    first = log[0]["time"]  # the job's first event: the process has started and imported what it needs
    answers = [e for e in log if e["type"] == "progress" and e["current"] > 0]
    return {"run_dir": run_dir, "wall_s": wall, "requests": requests, "completion_tokens": result["completion_tokens"],
            "requests_sent": result["requests_sent"], "cache_hits": result["cache_hits"],
            "start_s": first - started, "in_job_s": log[-1]["time"] - first,
            "first_answer_s": answers[0]["time"] - started if answers else None,
            "steady_requests_per_s": steady(answers[-1]["current"] - answers[0]["current"],
                                            answers[-1]["time"] - answers[0]["time"])}


def steady(requests: int, seconds: float) -> float | None:
    """Requests/s from the first answer to the last: what is left when every start-up cost is taken out."""
    return requests / seconds if seconds > 0 else None


async def bare_async(base_url: str, texts: list[str], concurrency: int, sampling: dict) -> dict:
    client = openai.AsyncOpenAI(base_url=base_url, api_key="no-key", max_retries=0, timeout=TIMEOUT_S)
    limit = asyncio.Semaphore(concurrency)
    answered_at: list[float] = []

    async def one(text: str) -> int:
        async with limit:
            response = await client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": text}],
                                                            **sampling)
            answered_at.append(time.time())
            return response.usage.completion_tokens

    tokens = await asyncio.gather(*(one(t) for t in texts))
    await client.close()
    return {"requests": len(texts), "completion_tokens": sum(tokens), "answered_at": answered_at}


def bare_sync(base_url: str, texts: list[str], sampling: dict) -> dict:
    client = openai.OpenAI(base_url=base_url, api_key="no-key", max_retries=0, timeout=TIMEOUT_S)
    tokens, answered_at = 0, []
    for text in texts:
        response = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": text}], **sampling)
        answered_at.append(time.time())
        tokens += response.usage.completion_tokens
    client.close()
    return {"requests": len(texts), "completion_tokens": tokens, "answered_at": answered_at}


def peer_process(side: str, base_url: str, requests: int, concurrency: int, max_tokens: int) -> dict:
    """A peer in its own process, as a script that calls a teacher runs: its wall time, like the job's, includes
    starting Python and importing openai (~1 s of CPU)."""
    started = time.time()
    done = subprocess.run([sys.executable, __file__, "--peer", side, "--base-url", base_url, "--requests",
                           str(requests), "--concurrency", str(concurrency), "--max-tokens", str(max_tokens)],
                          capture_output=True, text=True)
    wall = time.time() - started
    if done.returncode != 0:
        sys.exit(f"the peer {side} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout)
    answered_at = figures.pop("answered_at")
    return {**figures, "wall_s": wall, "first_answer_s": answered_at[0] - started,
            "steady_requests_per_s": steady(len(answered_at) - 1, answered_at[-1] - answered_at[0])}


def measured(side: str, concurrency: int, repeat: int, server_pid: int, run) -> dict:
    """Runs one side and prints its line. The CPU seconds say what the wall time cannot on a shared machine:
    the client's own cost (for the job: its whole process, start included) and the server's per request."""
    load, client, server = loadavg(), client_cpu_s(), cpu_s(server_pid)
    figures = run()
    client, server = client_cpu_s() - client, cpu_s(server_pid) - server
    figures.update(requests_per_s=figures["requests"] / figures["wall_s"],
                   tokens_per_s=figures["completion_tokens"] / figures["wall_s"])
    extra = {k: round(figures[k], 2) for k in ("start_s", "first_answer_s", "in_job_s", "steady_requests_per_s") if figures.get(k)}
    emit(f"generation_{side}_requests_per_s", round(figures["requests_per_s"], 2), "requests/s",
         concurrency=concurrency, repeat=repeat, requests=figures["requests"], wall_s=round(figures["wall_s"], 2),
         output_tokens_per_s=round(figures["tokens_per_s"], 1), completion_tokens=figures["completion_tokens"],
         client_cpu_s=round(client, 2), server_cpu_ms_per_request=round(1000 * server / figures["requests"], 1),
         loadavg_1m=[load, loadavg()], **extra)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500, help="prompts per side (default 500)")
    parser.add_argument("--concurrency", default="1,4,8", help="comma-separated (default 1,4,8)")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each side per concurrency (default 2)")
    parser.add_argument("--max-tokens", type=int, default=16, help="max_tokens of every request (default 16)")
    parser.add_argument("--sides", default=",".join(SIDES),
                        help=f"comma-separated, of {', '.join(SIDES)} (default all; openai_sync runs at concurrency 1 only)")
    parser.add_argument("--server-args", default="", help="more llama_cpp.server arguments, e.g. "
                        "--server-args='--n_threads_batch 2' (llama-cpp-python's own default on 2 cores; "
                        "default none: the studio's own)")
    parser.add_argument("--peer", choices=SIDES[1:], help=argparse.SUPPRESS)  # one peer run, in its own process
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    texts = prompts(args.requests)
    sampling = {"temperature": 0, "top_p": 1, "max_tokens": args.max_tokens}
    if args.peer:
        figures = (asyncio.run(bare_async(args.base_url, texts, int(args.concurrency), sampling))
                   if args.peer == "openai_async" else bare_sync(args.base_url, texts, sampling))
        print(json.dumps(figures))
        return
    chosen = args.sides.split(",")
    if unknown := set(chosen) - set(SIDES):
        sys.exit(f"unknown sides {sorted(unknown)}: choose from {', '.join(SIDES)}")
    with tempfile.TemporaryDirectory(prefix="distill-genbench-") as tmp:
        work = Path(tmp)
        server, base_url = start_server(work / "server.log", shlex.split(args.server_args))
        try:
            bare_sync(base_url, texts[:4], sampling)  # warm-up: the model's first evaluations are not throughput
            emit("generation_setting", args.requests, "requests", max_tokens=args.max_tokens,
                 temperature=0, server_args=SERVER_ARGS + shlex.split(args.server_args), cpu_count=os.cpu_count(),
                 nice=os.nice(0), server_nice=nice(server.pid), loadavg=Path("/proc/loadavg").read_text().split()[:3])
            last_job = None
            for concurrency in map(int, args.concurrency.split(",")):
                sides = {"job": lambda: answer_job(work, base_url, texts, concurrency, sampling),
                         **{peer: functools.partial(peer_process, peer, base_url, args.requests, concurrency,
                                                    args.max_tokens) for peer in SIDES[1:]}}
                sides = {k: v for k, v in sides.items() if k in chosen and (k != "openai_sync" or concurrency == 1)}
                runs: dict[str, list[dict]] = {side: [] for side in sides}
                for repeat in range(args.repeats):
                    for side in list(sides) if repeat % 2 == 0 else reversed(sides):
                        runs[side].append(measured(side, concurrency, repeat, server.pid, sides[side]))
                last_job = runs["job"][-1]["run_dir"] if "job" in runs else last_job
                report(concurrency, runs)
            if last_job is not None:
                reruns = [measured("job_cached_rerun", concurrency, repeat, server.pid,
                                   lambda: timed_job(last_job, args.requests)) for repeat in range(CACHED_RERUNS)]
                if any(r["requests_sent"] for r in reruns):
                    sys.exit(f"a cached re-run sent {max(r['requests_sent'] for r in reruns)} requests")
                emit("generation_cached_rerun_wall_median", round(statistics.median(r["wall_s"] for r in reruns), 2), "s",
                     requests=args.requests, cache_hits=reruns[0]["cache_hits"], reruns=CACHED_RERUNS, target_s=2)
        finally:
            server.stdin.close()
            server.wait(timeout=30)


def report(concurrency: int, runs: dict[str, list[dict]]) -> None:
    if "job" not in runs or "openai_async" not in runs:
        return  # no pair to compare: the per-run lines are the figures
    jobs, peers = runs["job"], runs["openai_async"]
    for key, unit in (("requests_per_s", "requests/s"), ("tokens_per_s", "output tokens/s"),
                      ("steady_requests_per_s", "requests/s")):
        if not all(r.get(key) for r in jobs + peers):
            continue  # a steady rate needs two answers at different times
        emit(f"generation_job_{key}_median", round(statistics.median(r[key] for r in jobs), 2), unit,
             concurrency=concurrency, peer="openai_async", peer_value=round(statistics.median(r[key] for r in peers), 2),
             ratio=round(statistics.median(j[key] / p[key] for j, p in zip(jobs, peers)), 3), target_ratio=0.95,
             repeats=len(jobs))
    if "openai_sync" in runs:  # how much an asynchronous job gains over EasyDistill's one request at a time
        sync = runs["openai_sync"]
        emit("generation_openai_sync_requests_per_s_median", round(statistics.median(r["requests_per_s"] for r in sync), 2),
             "requests/s", concurrency=1, job_ratio=round(statistics.median(
                 j["requests_per_s"] / s["requests_per_s"] for j, s in zip(jobs, sync)), 3), repeats=len(sync))


if __name__ == "__main__":
    main()
