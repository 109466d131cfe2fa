"""Progress of a generation job: requests done of total, output tokens per second, time left and cost so far.

Rates are of this attempt only (a resumed job's earlier answers took no time now); the cost counts every
request the job has paid for, in earlier attempts too, and none served from the cache."""

from __future__ import annotations

import time

from distill.events import EventWriter

EVERY_S = 0.5  # at most two progress events a second: a cached re-run would otherwise write one per row


def cost(prompt_tokens: int, completion_tokens: int, endpoint: dict) -> float | None:
    """In the currency of the endpoint's prices per million tokens; None without prices."""
    price_in, price_out = endpoint.get("price_input_per_m"), endpoint.get("price_output_per_m")
    if price_in is None and price_out is None:
        return None
    return (prompt_tokens * (price_in or 0) + completion_tokens * (price_out or 0)) / 1e6


class Meter:
    def __init__(self, events: EventWriter, endpoint: dict, total: int):
        self.events, self.endpoint, self.total = events, endpoint, total
        self.done = self.done_now = 0
        self.paid_prompt_tokens = self.paid_completion_tokens = 0
        self.tokens_now = 0
        self.cache_hits = 0
        self._started = time.monotonic()
        self._last_emit = 0.0
        self.paused = False
        self.counts: dict[str, int] | None = None  # a job's own tallies, sent with every progress event

    def count(self, answer: dict, cached: bool, now: bool) -> None:
        """One request done: `cached` when no request was sent for it, `now` when done in this attempt."""
        self.done += 1
        if cached:
            self.cache_hits += now
            return
        self.paid_prompt_tokens += answer["prompt_tokens"] or 0
        self.paid_completion_tokens += answer["completion_tokens"] or 0
        if now:
            self.done_now += 1
            self.tokens_now += answer["completion_tokens"] or 0

    def skip(self, requests: int) -> None:
        """Requests the job will not send: the later turns of a row kept aside."""
        self.total -= requests

    def expect(self, requests: int) -> None:
        """Requests the job found it must send beyond its first estimate."""
        self.total += requests

    def cost(self) -> float | None:
        return cost(self.paid_prompt_tokens, self.paid_completion_tokens, self.endpoint)

    def emit(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_emit < EVERY_S:
            return
        self._last_emit = now
        elapsed = max(now - self._started, 1e-9)
        rate = self.done_now / elapsed
        left = self.total - self.done
        self.events.progress(self.done, self.total, "requests", tokens_per_s=self.tokens_now / elapsed,
                             eta_s=left / rate if rate > 0 else None, cost=self.cost(),
                             message="paused: endpoint unreachable" if self.paused else None,
                             **({"counts": dict(self.counts)} if self.counts is not None else {}))
