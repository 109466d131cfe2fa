"""A small HTTP/1.1 proxy that injects faults in front of a real OpenAI-compatible server, for the generation
job's tests. It runs its own asyncio loop in a thread and serves one request per connection.

`faults` maps the number of a chat-completion request (1, 2, ... in order of arrival) to what it gets instead of
the server's answer: "429" (with Retry-After: 1), "500", "drop" (the connection is closed without an answer) or
"stall" (nothing is answered for `stall_s`, then the connection is closed). Other requests are forwarded.
`delivered` counts, per user turn (the last user message's text), the server's 200 answers passed back to a
client still waiting for them (one that timed out and hung up meanwhile gets nothing)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter

CANNED = {"429": (b"429 Too Many Requests", b"Retry-After: 1\r\n"), "500": (b"500 Internal Server Error", b"")}


class FaultProxy:
    def __init__(self, upstream_port: int, faults: dict[int, str] | None = None, stall_s: float = 10.0,
                 port: int = 0):
        self.upstream_port, self.faults, self.stall_s, self.port = upstream_port, faults or {}, stall_s, port
        self.requests: list[dict] = []  # every chat-completion request: its number, fault, messages and body
        self.delivered: Counter[str] = Counter()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FaultProxy":
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True), self._loop).result()
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close():
            self._server.close()
            await self._server.wait_closed()
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = [line for line in lines[1:] if line]
            length = next((int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length:")), 0)
            body = await reader.readexactly(length)
            fault, turn = None, None
            if lines[0].startswith("POST") and "/chat/completions" in lines[0]:
                number = len(self.requests) + 1
                fault = self.faults.get(number)
                request = json.loads(body)
                messages = request["messages"]
                turn = next(m["content"] for m in reversed(messages) if m["role"] == "user")
                self.requests.append({"number": number, "fault": fault, "turn": turn, "messages": messages,
                                      "body": request})
            if fault in CANNED:
                status, extra = CANNED[fault]
                text = json.dumps({"error": {"message": f"injected {fault}"}}).encode()
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n" + extra +
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(text) + text)
            elif fault == "stall":
                await asyncio.sleep(self.stall_s)
            elif fault != "drop":
                forward = asyncio.ensure_future(self._forward(lines[0], headers, body))
                hung_up = asyncio.ensure_future(reader.read(1))  # b"" once the client closes: it timed out
                finished, _ = await asyncio.wait([forward, hung_up], return_when=asyncio.FIRST_COMPLETED)
                client_left = hung_up in finished
                hung_up.cancel()
                status, response = await forward
                if not client_left:
                    writer.write(response)
                    await writer.drain()
                    if status == 200 and turn is not None:
                        self.delivered[turn] += 1
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _forward(self, request_line: str, headers: list[str], body: bytes) -> tuple[int, bytes]:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        kept = [h for h in headers if h.split(":", 1)[0].lower() not in ("connection", "host")]
        up_writer.write("\r\n".join([request_line, f"Host: 127.0.0.1:{self.upstream_port}", *kept,
                                     "Connection: close", "", ""]).encode("latin-1") + body)
        await up_writer.drain()
        response = await up_reader.read()  # to EOF: the server closes after answering a Connection: close
        up_writer.close()
        head, _, rest = response.partition(b"\r\n\r\n")
        head_lines = [h for h in head.split(b"\r\n") if not h.lower().startswith(b"connection:")]
        return int(head_lines[0].split()[1]), b"\r\n".join([*head_lines, b"Connection: close"]) + b"\r\n\r\n" + rest
