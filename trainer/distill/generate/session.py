"""What every generation job shares while it runs: the teacher (with its retries and pause), the response cache,
the journal of answers, the progress meter, and how a job stops on SIGTERM.

`Session.ask` is the one way a job asks the teacher something: an answer the interrupted run already journaled
for the same request (same key) is reused, else the cache is asked, else the endpoint; every answer is journaled
(fsync'd unless it came from the cache) and counted before it is returned.
"""

from __future__ import annotations

import asyncio
import datetime
import signal
from collections.abc import Awaitable
from pathlib import Path

from distill.contract import Stopped
from distill.events import EventWriter
from distill.generate import journal
from distill.generate.cache import open_cache
from distill.generate.meter import Meter
from distill.generate.teacher import Teacher

SIGTERM_EXIT = 143


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def earlier_answers(journal_path: Path, resume: bool) -> dict[tuple[str, int], dict]:
    """The interrupted run's answers by (request id, turn); none unless resuming."""
    return {(r["id"], r["turn"]): r for r in journal.read(journal_path)} if resume else {}


class Session:
    def __init__(self, job: dict, events: EventWriter, journal_path: Path, earlier: dict[tuple[str, int], dict],
                 total: int):
        self.job, self.events, self.earlier = job, events, earlier
        self.endpoint = job["endpoint"]
        self.meter = Meter(events, self.endpoint, total=total)
        self.teacher = Teacher(self.endpoint, job["sampling"], job["retry"],
                               notice=lambda level, message: events.log(message, level), on_pause=self._on_pause)
        self.cache = open_cache(job)
        self.journal = journal.Journal(journal_path, fresh=not earlier)

    def _on_pause(self, paused: bool, seconds: float) -> None:
        self.meter.paused = paused
        self.events.log(f"paused: endpoint unreachable ({self.endpoint['base_url']} has not answered for "
                        f"{seconds:.0f} s); probing it every {self.job['retry']['probe_every_s']:g} s" if paused else
                        f"resumed: the endpoint answers again after {seconds:.0f} s",
                        level="warning" if paused else "info")
        self.meter.emit(force=True)

    def describe(self) -> str:
        """How the job reaches its teacher, for its first log line."""
        return (f"{self.endpoint['model']} at {self.endpoint['base_url']}, {self.endpoint['concurrency']} at a time"
                + (f"; {len(self.earlier)} answers from the interrupted run" if self.earlier else "")
                + (f"; response cache {self.cache.path}" if self.cache else "; no response cache"))

    async def ask(self, request_id: str, turn: int, messages: list[dict], sampling: dict | None = None) -> dict:
        """The journal record of the answer: {id, turn, key, content, finish_reason, prompt_tokens,
        completion_tokens, cached, time}. `sampling` replaces the job's for this request (RefusedRequest and
        JobError come from the teacher)."""
        key = self.teacher.key(messages, sampling)
        earlier = self.earlier.get((request_id, turn))
        if earlier is not None and earlier["key"] == key:
            self.meter.count(earlier, cached=earlier["cached"], now=False)
            return earlier
        response, cached = await self.teacher.complete_cached(self.cache, messages, request_id, sampling)
        record = {"id": request_id, "turn": turn, "key": key, **response, "cached": cached, "time": now()}
        self.journal.append(record, durable=not cached)
        self.meter.count(record, cached=cached, now=True)
        self.meter.emit()
        return record

    async def run(self, work: Awaitable[None]) -> None:
        """Awaits `work`; SIGTERM stops it (Stopped, exit 143) with every answer so far in the journal. The
        journal, the client and the cache are closed whatever happens."""
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
        try:
            await work
        except asyncio.CancelledError:
            raise Stopped(f"stopped by SIGTERM after {self.meter.done} of {self.meter.total} requests; every answer "
                          "is kept: run again with --resume", SIGTERM_EXIT) from None
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
            self.journal.close()
            await self.teacher.close()
            if self.cache:
                self.cache.close()
        self.meter.emit(force=True)

    def usage_result(self) -> dict:
        """The done result's request, cache and cost figures."""
        return {"requests_sent": self.teacher.requests_sent, "cache_hits": self.meter.cache_hits,
                "prompt_tokens": self.meter.paid_prompt_tokens,
                "completion_tokens": self.meter.paid_completion_tokens, "cost": self.meter.cost()}
