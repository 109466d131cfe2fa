"""Distill Studio's trainer. `python -m distill run RUN_DIR [--resume]` executes the job.json in a run folder
(kinds train, score, tag, lengths, answer, expand, rewrite, eval, teacher_cache) and appends its events to
RUN_DIR/events.jsonl; `python -m distill chat MODEL_JSON` answers chats with one model over JSON lines on
stdin/stdout (distill.chat)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import traceback
from pathlib import Path

from distill import ranks
from distill.contract import JobError, Stopped, read_valid_json
from distill.events import EventWriter, SilentEvents

# job kind → module exposing run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool) -> dict | None
RUNNERS = {"train": "distill.train", "score": "distill.scoring", "tag": "distill.tagging", "lengths": "distill.lengths",
           "answer": "distill.generate.answer", "expand": "distill.generate.expand",
           "rewrite": "distill.generate.rewrite", "eval": "distill.evaluation", "teacher_cache": "distill.teacher_cache"}


def load_job(run_dir: Path) -> dict:
    path = run_dir / "job.json"
    if not path.exists():
        raise JobError(f"{path} does not exist: a run folder needs a job.json")
    job = read_valid_json(path, "job.schema.json")
    if job["kind"] not in RUNNERS:
        raise JobError(f"job kind {job['kind']!r} is not run by the trainer (it runs {', '.join(RUNNERS)})")
    return job


def run(run_dir: Path, resume: bool) -> int:
    # Under torchrun only rank 0 writes the run's events (see distill.distributed).
    writer = EventWriter(run_dir) if ranks.is_main() else SilentEvents()
    with writer as events:
        try:
            job = load_job(run_dir)
            runner = importlib.import_module(RUNNERS[job["kind"]])
            result = runner.run_job(job, run_dir, events, resume=resume)
            events.emit("done", result=result or {})
            return 0
        except Stopped as e:
            print(e, file=sys.stderr)
            return e.exit_code
        except JobError as e:
            events.emit("error", message=str(e))
            print(f"error: {e}", file=sys.stderr)
            return 2
        except Exception as e:  # a run that neither stopped on request nor finished must end with an error event
            events.emit("error", message=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
            raise


EXIT_CODES = """exit status: 0 done (a done event ends the log); 2 the job was refused or failed with a message
(error event); 143 stopped by SIGTERM after saving what a resume needs (a train job's checkpoint; an answer job
keeps every answer in its journal) (no done event: run again with --resume); 1 an unexpected failure (error event
with a traceback)."""


def main(argv: list[str] | None = None) -> int:
    # Models come from packages and local paths only; never wait on a hub that may be unreachable.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(prog="python -m distill", description=__doc__, epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, title="commands")
    run_p = sub.add_parser("run", help="run the job.json in RUN_DIR, appending events to RUN_DIR/events.jsonl",
                           description="Run RUN_DIR/job.json (validated against schemas/job.schema.json; absent "
                           "fields take their defaults). A train job reads plan.json and data/*.jsonl there, "
                           "writes checkpoints/ and the final model to its output_dir.",
                           epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    run_p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="the run folder holding job.json")
    run_p.add_argument("--resume", action="store_true",
                       help="continue a train job from the last checkpoint in RUN_DIR/checkpoints (same data "
                       "order and optimizer state, so the result equals an uninterrupted run); an answer, "
                       "expand or rewrite job reuses the answers in its journal instead of asking them again")
    chat_p = sub.add_parser("chat", help="answer chats with one model, JSON lines over stdin/stdout",
                            description="Load one model, then answer {id, messages, max_new_tokens} lines on "
                            "stdin with {id, type: token|done|error} lines on stdout (see distill/chat.py).")
    chat_p.add_argument("model", type=json.loads, metavar="MODEL_JSON",
                        help='a job.json model reference, e.g. \'{"source": "dir", "path": "runs/x/model"}\'')
    chat_p.add_argument("--base-dir", type=Path, default=None, help="relative model paths are read from here")
    chat_p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args.run_dir.resolve(), args.resume)
    if args.command == "chat":
        # Imported here: it loads torch and transformers, which `run` leaves to the job's module.
        from distill import chat
        return chat.main(args.model, args.base_dir, args.device)
    return 1
