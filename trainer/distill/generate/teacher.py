"""One chat completion from the teacher's endpoint, with the retries and the pause of retry.py.

The `openai` client is made with max_retries=0: its own retries would hide failures from the pause logic and
ignore the job's policy. The API key comes from the environment (DISTILL_ENDPOINT_KEY, or the variable the job
names: an eval job's judge reads DISTILL_JUDGE_KEY) and is given to the client only; it is never written anywhere."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from collections.abc import Callable

from distill.contract import JobError
from distill.generate.cache import ResponseCache, request_key
from distill.generate.retry import Reachability, backoff_s, is_retried_status, retry_after_s

KEY_VARIABLE = "DISTILL_ENDPOINT_KEY"
JUDGE_KEY_VARIABLE = "DISTILL_JUDGE_KEY"
# Sent when the endpoint has no key (a local llama.cpp, vLLM or Ollama): the client needs some value, and an
# explicit one keeps it from picking up an OPENAI_API_KEY from the environment and sending it elsewhere.
NO_KEY = "no-key"


class RefusedRequest(Exception):
    """The endpoint refused this one request (400, 413, 422: too long, bad content); other rows go on."""


class Teacher:
    def __init__(self, endpoint: dict, sampling: dict, retry: dict, notice: Callable[[str, str], None],
                 on_pause: Callable[[bool, float], None], key_variable: str = KEY_VARIABLE):
        self.endpoint, self.retry, self._notice, self._key_variable = endpoint, retry, notice, key_variable
        self.sampling = {k: v for k, v in sampling.items() if v is not None}
        self.reach = Reachability(retry["unreachable_after_s"], on_pause)
        # While the endpoint is unreachable, one request at a time probes it; the others wait here.
        self._probe = asyncio.Lock()
        self.requests_sent = 0

    def key(self, messages: list[dict], sampling: dict | None = None) -> str:
        """The response cache's key of a request."""
        return request_key(self.endpoint["base_url"], self.endpoint["model"], messages, sampling or self.sampling)

    async def complete_cached(self, cache: ResponseCache | None, messages: list[dict], row_id: str,
                              sampling: dict | None = None) -> tuple[dict, bool]:
        """(response, served from the cache): the cache's answer to the same request, else the endpoint's, then
        stored in the cache."""
        key = self.key(messages, sampling)
        response = cache.get(key) if cache else None
        if response is not None:
            return response, True
        response = await self.complete(messages, row_id, sampling)
        if cache:
            cache.put(key, response)
        return response, False

    async def complete(self, messages: list[dict], row_id: str, sampling: dict | None = None) -> dict:
        """{content, finish_reason, prompt_tokens, completion_tokens}; RefusedRequest, or a JobError when the
        endpoint cannot serve the job at all or a request failed max_attempts times. `sampling` replaces the
        teacher's own sampling parameters for this request."""
        counted, unanswered = 0, 0
        while True:
            probing = self.reach.paused
            async with self._probe if probing else contextlib.nullcontext():
                try:
                    return await self._attempt(messages, row_id, sampling or self.sampling)
                except _Retry as again:
                    if again.counted:
                        counted += 1
                        if counted >= self.retry["max_attempts"]:
                            raise JobError(f"row {row_id}: the endpoint failed {counted} times in a row ({again.why});"
                                           " the answers so far are kept: resume the job to go on") from None
                        delay = again.wait_s if again.wait_s is not None else backoff_s(
                            counted, self.retry["backoff_base_s"], self.retry["backoff_max_s"])
                    else:
                        unanswered += 1
                        delay = self.retry["probe_every_s"] if self.reach.paused else backoff_s(
                            unanswered, self.retry["backoff_base_s"], self.retry["backoff_max_s"])
                    self._notice("debug", f"row {row_id}: {again.why}; trying again in {delay:.1f} s")
                if probing:
                    await asyncio.sleep(delay)  # holding the probe: the other requests wait for its verdict
                    continue
            await asyncio.sleep(delay)

    @functools.cached_property
    def _client(self):
        # Imported on the first request (~1 s of CPU): a re-run served from the cache never sends one.
        import openai

        return openai.AsyncOpenAI(base_url=self.endpoint["base_url"], api_key=os.environ.get(self._key_variable) or NO_KEY,
                                  max_retries=0, timeout=self.endpoint["timeout_s"])

    async def _attempt(self, messages: list[dict], row_id: str, sampling: dict) -> dict:
        import httpx2
        import openai

        self.requests_sent += 1
        try:
            response = await self._client.chat.completions.create(model=self.endpoint["model"], messages=messages,
                                                                  **sampling)
        except openai.APITimeoutError as e:
            if isinstance(e.__cause__, httpx2.ConnectTimeout):  # nothing took the connection: as if refused
                self.reach.connection_failed()
                raise _Retry("connecting timed out", counted=False) from None
            raise _Retry(f"no answer within {self.endpoint['timeout_s']} s", counted=True) from None
        except openai.APIConnectionError as e:
            self.reach.connection_failed()
            raise _Retry(f"connection failed ({e.__cause__ or e})", counted=False) from None
        except openai.APIStatusError as e:
            self.reach.answered()
            if is_retried_status(e.status_code):
                raise _Retry(f"HTTP {e.status_code}", counted=True, wait_s=retry_after_s(e.response.headers)) from None
            if e.status_code in (401, 403):
                raise JobError(f"the endpoint {self.endpoint['base_url']} refused the job's key (HTTP "
                               f"{e.status_code}): set the endpoint's API key in the studio") from None
            if e.status_code == 404:
                raise JobError(f"the endpoint {self.endpoint['base_url']} answered 404 for model "
                               f"{self.endpoint['model']!r}: check the base URL (up to /v1) and the model "
                               "name") from None
            said = e.body.get("message") if isinstance(e.body, dict) else None
            raise RefusedRequest(f"HTTP {e.status_code}: {said or e.message}") from None
        self.reach.answered()
        choice = response.choices[0] if response.choices else None
        usage = response.usage
        return {"content": (choice.message.content if choice else None) or "",
                "finish_reason": choice.finish_reason if choice else None,
                "prompt_tokens": usage.prompt_tokens if usage else None,
                "completion_tokens": usage.completion_tokens if usage else None}

    async def close(self) -> None:
        if "_client" in self.__dict__:
            await self._client.close()


class _Retry(Exception):
    def __init__(self, why: str, counted: bool, wait_s: float | None = None):
        super().__init__(why)
        self.why, self.counted, self.wait_s = why, counted, wait_s
