"""A small replication of POCL (METHODS.md, POCL §7): plain KD (forward KL) against KD + POCL at the same number of
optimizer steps, on the studio's own paths. Not a test: a benchmark of whether the curriculum helps here.

Per training seed s (default 10, 11, 12), both arms on the same rows:
1. rows: a seeded draw (seed s) of `--rows` answered rows of alpaca_en_demo.json, read as the studio imports them
   (bench/replicate-pocl-plan.ts: alpacaToMessages, then splitRows as a plain launch with "train samples" draws).
2. score: a score job (`python -m distill run`, scorer pocl) on those rows: the initial student's greedy answer
   (ROUGE-L) and CE, fused by reciprocal rank into a difficulty, as the curriculum page starts it.
3. plan: bench/replicate-pocl-plan.ts builds both arms' job.json (formToTrainJob, the launch form's job) and
   plan.json: POCL by planRun on a curriculum bucketing by that difficulty (K buckets easy → hard, baby steps,
   temperature 1 → 2 and KD weight 0.7 → 1 across stages, a fresh optimizer per stage: POCL's defaults);
   plain by plainPlan, one stage at T = 1, KD weight `--plain-kd-weight` (1: forward KL alone), with as many
   epochs as make its optimizer steps equal POCL's (a size where no whole number does is refused).
4. train: each arm's train job (`python -m distill run`): embedded SmolLM2-135M-Instruct teacher, its
   `--layers`-layer pruned student, forward KL, AdamW lr 1e-4 cosine, no warm-up; the final weights are kept
   (the paper picks its checkpoint by ROUGE-L; here there is none to pick from).
5. evaluate: an eval job on each trained student: SelfInst (ROUGE-L F1, sampled at T = 1 with seeds 10, 20, …,
   as POCL; the first `--selfinst` prompts) and IFEval (greedy; prompt- and instruction-level, strict and loose;
   the first `--ifeval` prompts).

Then per metric: each arm's mean and spread over training seeds (sample std, min, max), and the paired difference
POCL − plain per seed with its mean and 95 % t-interval (n − 1 degrees of freedom). Each run's value is its eval
job's mean (SelfInst: the mean over sampling seeds). Metrics are in percent, as the paper reports ROUGE-L.

Prints JSON lines on stdout: one per run and metric ({"metric", "value", "unit", "arm", "train_seed", "steps",
"eval_std": the eval job's std, over sampling seeds for SelfInst and over prompts or instructions for IFEval, and
each job's wall and CPU seconds}), one per arm and metric (mean, std, min, max over training seeds), one per metric
for the paired difference ("peer": "plain_kd", "ratio": POCL mean / plain mean, "diffs", "ci95"); then a readable
table on stderr, where progress goes too. With --work the run
folders stay there (a job whose folder already holds its done event is not run again, so a cut-off invocation
can be continued) and results.jsonl and table.md are written beside them.

    .venv/bin/python bench/replicate_pocl.py                 # default size: ~90 min on 2 cores (bench/README.md)
    .venv/bin/python bench/replicate_pocl.py --full          # sized for a GPU
    .venv/bin/python bench/replicate_pocl.py --rows 8 --batch-size 4 --max-length 128 --score-new-tokens 16 \\
        --selfinst 2 --ifeval 2 --eval-seeds 2 --eval-new-tokens 16 --seeds 10,11      # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("DISTILL_SHARED_DATASETS") or REPO.parent / "shared" / "datasets").resolve()
PLANNER = REPO / "bench" / "replicate-pocl-plan.ts"
TEACHER = {"source": "embedded"}
ARMS = ("plain", "pocl")
ARM_NAMES = {"plain": "plain KD", "pocl": "KD + POCL"}
# (key in the results, suite in eval.json, metric there, label)
METRICS = [("selfinst_rouge_l", "selfinst", "rouge_l", "SelfInst ROUGE-L"),
           ("ifeval_prompt_strict", "ifeval", "prompt_strict", "IFEval prompt strict"),
           ("ifeval_prompt_loose", "ifeval", "prompt_loose", "IFEval prompt loose"),
           ("ifeval_instruction_strict", "ifeval", "instruction_strict", "IFEval instruction strict"),
           ("ifeval_instruction_loose", "ifeval", "instruction_loose", "IFEval instruction loose")]

DEFAULT = {"rows": 32, "batch_size": 4, "epochs_per_stage": 2, "max_length": 256, "score_new_tokens": 64,
           "selfinst": 40, "ifeval": 40, "eval_seeds": 5, "eval_new_tokens": 128, "eval_batch_size": 8,
           "device": "cpu"}
# POCL's own sizes where a GPU affords them: 8 epochs per stage, max length 512, answers ≤ 512 tokens when
# scoring, every SelfInst and IFEval prompt. 960 rows (of 999) and batch 16 make a whole number of plain epochs.
FULL = {"rows": 960, "batch_size": 16, "epochs_per_stage": 8, "max_length": 512, "score_new_tokens": 512,
        "selfinst": 252, "ifeval": 541, "eval_seeds": 5, "eval_new_tokens": 256, "eval_batch_size": 64,
        "device": "cuda"}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def planner(request: dict) -> dict:
    tsx = REPO / "node_modules" / ".bin" / "tsx"
    done = subprocess.run([str(tsx), str(PLANNER)], input=json.dumps(request), capture_output=True, text=True,
                          cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"the planner refused {request['op']}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def finished(run_dir: Path) -> bool:
    events = run_dir / "events.jsonl"
    return events.exists() and any(json.loads(line).get("type") == "done"
                                   for line in events.read_text().splitlines() if line.strip())


def write_lines(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def run_job(run_dir: Path, job: dict, what: str, env: dict) -> dict:
    """`python -m distill run` on a run folder holding `job`. Its wall time and CPU time (user + system, loading
    included; on a shared machine the CPU time says more of what a quiet one would take). A job that had already
    finished is not run again: the times it took then (null when they were not kept)."""
    times = run_dir / "replicate_times.json"
    if finished(run_dir):
        log(f"{what}: already done in {run_dir}")
        return json.loads(times.read_text()) if times.exists() else {"wall_s": None, "cpu_s": None}
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "events.jsonl").unlink(missing_ok=True)
    (run_dir / "job.json").write_text(json.dumps(job, indent=2))
    log(f"{what}: running in {run_dir}")
    started = time.monotonic()
    with (run_dir / "stderr.log").open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "distill", "run", str(run_dir)], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{what} exited with {code}:\n{(run_dir / 'stderr.log').read_text()[-3000:]}")
    took = {"wall_s": round(time.monotonic() - started), "cpu_s": round(usage.ru_utime + usage.ru_stime)}
    times.write_text(json.dumps(took))
    log(f"{what}: done in {took['wall_s']} s ({took['cpu_s']} s of CPU)")
    return took


def score_job(args, seed: int) -> dict:
    # As the curriculum page starts it (server/curriculum/analysis-jobs.ts); prompt ≤ 256 tokens as in POCL.
    return {"schema_version": 1, "id": f"score-{seed}", "kind": "score", "created_at": now(), "seed": seed,
            "device": args.device, "scorer": "pocl", "teacher": TEACHER,
            "student": {"source": "pruned", "num_layers": args.layers}, "data": "data/rows.jsonl",
            "max_new_tokens": args.score_new_tokens, "max_prompt_length": 256,
            "max_length": 256 + args.score_new_tokens, "batch_size": args.eval_batch_size, "output": "scores.jsonl"}


def eval_job(args, model: dict, name: str) -> dict:
    # seed 10: SelfInst samples with seeds 10, 20, …, 50, POCL's and MiniLLM's.
    return {"schema_version": 1, "id": f"eval-{name}", "kind": "eval", "created_at": now(), "seed": 10,
            "device": args.device, "model": model, "datasets_dir": str(DATASETS),
            "suites": [{"name": "selfinst", "limit": args.selfinst, "seeds": args.eval_seeds, "greedy": False},
                       {"name": "ifeval", "limit": args.ifeval}],
            "max_new_tokens": args.eval_new_tokens, "batch_size": args.eval_batch_size}


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def read_metrics(eval_dir: Path) -> dict:
    suites = json.loads((eval_dir / "eval.json").read_text())["suites"]
    out = {}
    for key, suite, metric, _ in METRICS:
        m = suites[suite]["metrics"][metric]
        out[key] = {"value": 100 * m["mean"], "eval_std": 100 * m["std"] if m["std"] is not None else None,
                    "n": m["n"]}
    return out


def train_steps(train_dir: Path) -> int:
    events = [json.loads(line) for line in (train_dir / "events.jsonl").read_text().splitlines() if line.strip()]
    return max(e["step"] for e in events if e["type"] == "metric")


def one_seed(args, seed: int, work: Path, env: dict) -> list[dict]:
    """Both arms trained and evaluated on one seed's rows; one record per arm."""
    root = work / f"seed-{seed}"
    rows = planner({"op": "rows", "alpaca": str(DATASETS / "alpaca_en_demo.json"), "trainSamples": args.rows,
                    "seed": seed})["rows"]
    score_dir = root / "score"
    if not finished(score_dir):
        write_lines(score_dir / "data" / "rows.jsonl", rows)
    score = run_job(score_dir, score_job(args, seed), f"seed {seed}: POCL difficulty of {len(rows)} rows", env)
    scores = {r["id"]: r["difficulty"] for r in map(json.loads, (score_dir / "scores.jsonl").read_text().splitlines())}
    form = {"seed": seed, "device": args.device, "teacher": TEACHER,
            "student": {"source": "pruned", "num_layers": args.layers}, "loss": {"name": "fkl"},
            "temperature": 1.0, "kdWeight": args.plain_kd_weight, "lr": args.lr, "batchSize": args.batch_size,
            "gradAccum": 1, "maxLength": args.max_length, "evalSize": 0, "evalEvery": 0,
            "evalPrompts": 0, "checkpointEvery": 0}
    schedule = {"mode": "cumulative", "buckets": args.buckets, "epochs_per_stage": args.epochs_per_stage,
                "temperature": {"start": 1.0, "end": 2.0}, "kd_weight": {"start": 0.7, "end": 1.0},
                "direction": "higher_is_harder"}
    arms = planner({"op": "arms", "form": form, "schedule": schedule,
                    "rows": [{"id": r["id"], "difficulty": scores.get(r["id"])} for r in rows]})
    records = []
    for arm in ARMS:
        train_dir, eval_dir = root / arm / "train", root / arm / "eval"
        if not finished(train_dir):
            write_lines(train_dir / "data" / "train.jsonl", rows)
            (train_dir / "plan.json").write_text(json.dumps(arms[arm]["plan"], indent=2))
        train = run_job(train_dir, {**arms[arm]["job"], "id": f"{arm}-{seed}"},
                          f"seed {seed}: train {ARM_NAMES[arm]} ({arms[arm]['steps']} steps)", env)
        steps = train_steps(train_dir)
        if steps != arms[arm]["steps"]:
            raise SystemExit(f"seed {seed} {arm}: the trainer took {steps} steps, the plan {arms[arm]['steps']}")
        model = {"type": "local", "ref": {"source": "dir", "path": str((train_dir / "model").resolve())}}
        evaluated = run_job(eval_dir, eval_job(args, model, f"{arm}-{seed}"), f"seed {seed}: evaluate {ARM_NAMES[arm]}",
                         env)
        records.append({"arm": arm, "train_seed": seed, "steps": steps, "times": {
            **{f"score_{k}": v for k, v in score.items()}, **{f"train_{k}": v for k, v in train.items()},
            **{f"eval_{k}": v for k, v in evaluated.items()}}, "metrics": read_metrics(eval_dir)})
    return records


def baselines(args, work: Path, env: dict) -> list[dict]:
    """The untrained pruned student and the teacher on the same prompts, for scale."""
    out = []
    for name, model in (("initial", {"type": "local", "ref": {"source": "pruned", "num_layers": args.layers},
                                     "base": TEACHER}),
                        ("teacher", {"type": "local", "ref": TEACHER})):
        eval_dir = work / "baselines" / name
        took = run_job(eval_dir, eval_job(args, model, name), f"evaluate the {name} model", env)
        out.append({"arm": name, "times": {f"eval_{k}": v for k, v in took.items()}, "metrics": read_metrics(eval_dir)})
    return out


def t_interval(values: list[float]) -> tuple[float, float] | None:
    from scipy.stats import t

    if len(values) < 2:
        return None
    mean, half = statistics.fmean(values), t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / len(values) ** 0.5
    return mean - half, mean + half


def spread(values: list[float]) -> dict:
    return {"value": round(statistics.fmean(values), 3),
            "std": round(statistics.stdev(values), 3) if len(values) > 1 else None,
            "min": round(min(values), 3), "max": round(max(values), 3), "n": len(values)}


def summarise(records: list[dict], extra: list[dict], setting: dict) -> tuple[list[dict], str]:
    lines = []
    for r in records + extra:
        for key, m in r["metrics"].items():
            lines.append({"metric": key, "value": round(m["value"], 3), "unit": "%", "arm": r["arm"],
                          **({"train_seed": r["train_seed"], "steps": r["steps"]} if "train_seed" in r else {}),
                          "eval_std": round(m["eval_std"], 3) if m["eval_std"] is not None else None,
                          "eval_n": m["n"], **r["times"]})
    seeds = sorted({r["train_seed"] for r in records})
    value = {(r["arm"], r["train_seed"], key): m["value"] for r in records for key, m in r["metrics"].items()}
    table = ["| metric (%) | " + " | ".join(ARM_NAMES[a] + " mean ± sd [min, max]" for a in ARMS)
             + " | POCL − plain per seed (" + ", ".join(map(str, seeds)) + ") | mean diff [95 % t-interval] |"
             + "".join(f" {r['arm']} model |" for r in extra),
             "|" + " --- |" * (5 + len(extra))]
    for key, _, _, label in METRICS:
        per_arm = {a: spread([value[(a, s, key)] for s in seeds]) for a in ARMS}
        for a in ARMS:
            lines.append({"metric": key, **per_arm[a], "unit": "%", "arm": a, "over": "train_seeds", **setting})
        diffs = [value[("pocl", s, key)] - value[("plain", s, key)] for s in seeds]
        ci = t_interval(diffs)
        plain_mean = per_arm["plain"]["value"]
        lines.append({"metric": f"{key}_pocl_minus_plain", "value": round(statistics.fmean(diffs), 3),
                      "unit": "points", "peer": "plain_kd",
                      "ratio": round(per_arm["pocl"]["value"] / plain_mean, 3) if plain_mean else None,
                      "ci95": [round(x, 3) for x in ci] if ci else None, "diffs": [round(d, 3) for d in diffs],
                      "n": len(diffs), **setting})

        def cell(s: dict) -> str:
            sd = f" ± {s['std']:.2f}" if s["std"] is not None else ""
            return f"{s['value']:.2f}{sd} [{s['min']:.2f}, {s['max']:.2f}]"

        ci_text = f"[{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci else "(one seed)"
        table.append(f"| {label} | {cell(per_arm['plain'])} | {cell(per_arm['pocl'])} | "
                     f"{', '.join(f'{d:+.2f}' for d in diffs)} | {statistics.fmean(diffs):+.2f} {ci_text} |"
                     + "".join(f" {r['metrics'][key]['value']:.2f} |" for r in extra))
    return lines, "\n".join(table) + "\n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="POCL's sizes, for a GPU (flags given too win)")
    parser.add_argument("--seeds", default="10,11,12", help="training seeds, comma-separated (default 10,11,12)")
    parser.add_argument("--rows", type=int, help=f"training rows drawn per seed (default {DEFAULT['rows']})")
    parser.add_argument("--batch-size", type=int, help=f"default {DEFAULT['batch_size']}")
    parser.add_argument("--epochs-per-stage", type=int,
                        help=f"POCL epochs per stage (default {DEFAULT['epochs_per_stage']}); plain gets as many "
                             "epochs as make the same steps")
    parser.add_argument("--buckets", type=int, default=4, help="POCL buckets K (default 4)")
    parser.add_argument("--max-length", type=int, help=f"training tokens per row (default {DEFAULT['max_length']})")
    parser.add_argument("--layers", type=int, default=6, help="layers of the pruned student (default 6 of 30)")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--plain-kd-weight", type=float, default=1.0,
                        help="KD weight α of the plain arm (default 1: forward KL alone)")
    parser.add_argument("--score-new-tokens", type=int,
                        help=f"greedy answer tokens when scoring difficulty (default {DEFAULT['score_new_tokens']})")
    parser.add_argument("--selfinst", type=int, help=f"SelfInst prompts (default {DEFAULT['selfinst']} of 252)")
    parser.add_argument("--ifeval", type=int, help=f"IFEval prompts (default {DEFAULT['ifeval']} of 541)")
    parser.add_argument("--eval-seeds", type=int, help="SelfInst sampling seeds (default 5)")
    parser.add_argument("--eval-new-tokens", type=int,
                        help=f"answer tokens when evaluating (default {DEFAULT['eval_new_tokens']})")
    parser.add_argument("--eval-batch-size", type=int, help=f"default {DEFAULT['eval_batch_size']}")
    parser.add_argument("--device", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--baselines", action="store_true",
                        help="also evaluate the untrained pruned student and the teacher on the same prompts")
    parser.add_argument("--work", type=Path, help="keep run folders and results here (default: a temporary folder)")
    args = parser.parse_args()
    for key, value in (FULL if args.full else DEFAULT).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.seed_list = [int(s) for s in args.seeds.split(",") if s.strip()]
    return args


def main() -> None:
    args = parse_args()
    setting = {k: getattr(args, k) for k in ("rows", "batch_size", "epochs_per_stage", "buckets", "max_length",
                                               "layers", "lr", "plain_kd_weight", "score_new_tokens", "selfinst",
                                               "ifeval", "eval_seeds", "eval_new_tokens", "device")}
    setting["train_seeds"] = args.seed_list
    env = {**os.environ, "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO / "trainer"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    work = args.work.resolve() if args.work else Path(tempfile.mkdtemp(prefix="replicate-pocl-"))
    started = time.monotonic()
    log(f"setting {json.dumps(setting)}; run folders in {work}")
    try:
        records = [r for seed in args.seed_list for r in one_seed(args, seed, work, env)]
        extra = baselines(args, work, env) if args.baselines else []
        lines, table = summarise(records, extra, setting)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    lines.append({"metric": "replication_wall_time", "value": round(time.monotonic() - started), "unit": "s",
                  **setting})
    for line in lines:
        print(json.dumps(line), flush=True)
    print("\n" + table, file=sys.stderr, flush=True)
    if args.work:
        write_lines(work / "results.jsonl", lines)
        (work / "table.md").write_text(table)


if __name__ == "__main__":
    main()
