"""`python -m distill run RUN_DIR [--resume]`: execute the job.json in a run folder, emitting events."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import traceback
from pathlib import Path

from distill.events import EventWriter, validate, with_defaults

# job kind → module exposing run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool) -> dict | None
RUNNERS = {"train": "distill.train", "score": "distill.scoring", "tag": "distill.tagging", "lengths": "distill.lengths"}


class JobError(Exception):
    """A failure with a message meant for the user (bad input, mismatched models); no traceback shown."""


class Stopped(Exception):
    """The job stopped early on request (SIGTERM) after saving what it needs to resume: neither done nor error."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def load_job(run_dir: Path) -> dict:
    path = run_dir / "job.json"
    if not path.exists():
        raise JobError(f"{path} does not exist: a run folder needs a job.json")
    job = json.loads(path.read_text())
    validate("job.schema.json", job)
    job = with_defaults("job.schema.json", job)
    if job["kind"] not in RUNNERS:
        raise JobError(f"job kind {job['kind']!r} is not run by the trainer (it runs {', '.join(RUNNERS)})")
    return job


def run(run_dir: Path, resume: bool) -> int:
    with EventWriter(run_dir) as events:
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
        except Exception as e:  # the run folder must always end with done or error
            events.emit("error", message=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
            raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m distill", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="run the job.json in RUN_DIR, appending events to RUN_DIR/events.jsonl")
    run_p.add_argument("run_dir", type=Path)
    run_p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in RUN_DIR")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args.run_dir.resolve(), args.resume)
    return 1
