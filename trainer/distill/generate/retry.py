"""When and how long to wait before sending a failed request again, and when an endpoint counts as unreachable.

- 429, 408 and 5xx answers and timeouts are retried after the endpoint's Retry-After (retry-after-ms, or
  retry-after in seconds or as an HTTP date) when it gives one, else after an exponential backoff with jitter;
  they count against the policy's max_attempts.
- A connection that cannot be made or is dropped before an answer backs off the same way without counting: the
  endpoint may just be restarting. Once nothing but connection failures has come back for unreachable_after_s,
  the endpoint is unreachable: the job pauses (says so in its events) and probes it every probe_every_s with one
  request at a time, however long it takes, instead of spending tries; the first answer of any kind resumes it.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping

RETRIED_STATUSES = frozenset({408, 429})


def is_retried_status(status: int) -> bool:
    return status in RETRIED_STATUSES or status >= 500


def backoff_s(failures: int, base_s: float, max_s: float, rng: random.Random | None = None) -> float:
    """Delay after the `failures`-th failure in a row: base·2^(failures−1), capped, of which a random half is
    taken off ("equal jitter"), so requests that failed together do not all come back at the same moment."""
    ceiling = min(max_s, base_s * 2 ** (failures - 1))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def retry_after_s(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait an answer asks for, in seconds; None when it asks for none (or says it unreadably)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Reachability:
    """Whether the endpoint has answered lately. `on_change(paused, seconds_unreachable)` is called when the job
    pauses and when it resumes."""

    def __init__(self, unreachable_after_s: float, on_change: Callable[[bool, float], None],
                 clock: Callable[[], float] = time.monotonic):
        self._after, self._on_change, self._clock = unreachable_after_s, on_change, clock
        self._failing_since: float | None = None
        self.paused = False

    def connection_failed(self) -> None:
        now = self._clock()
        if self._failing_since is None:
            self._failing_since = now
        if not self.paused and now - self._failing_since >= self._after:
            self.paused = True
            self._on_change(True, now - self._failing_since)

    def answered(self) -> None:
        """Any answer, an error status included: the endpoint is there."""
        if self.paused:
            self._on_change(False, self._clock() - self._failing_since)
        self._failing_since, self.paused = None, False
