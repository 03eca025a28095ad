"""A minimal Reflex websocket client: Socket.IO over Engine.IO v4, speaking to `/_event` as the browser does.

It sends what the compiled frontend sends (captured from Chromium): the hydrate event in the CONNECT packet,
`on_load_internal` with the new route for an in-app navigation, and handler events with the route's router data.
The learner is whoever the session cookie says; the client never names a learner.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import websockets

NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
ON_LOAD = f"{ROOT_STATE}.reflex___state____on_load_internal_state.on_load_internal"
PLAYER = f"{ROOT_STATE}.learnapp___ui___session____session_state.learnapp___ui___pages___player____player_state"
HYDRATED = '"is_hydrated_rx_state_":true'
PROBE_NAMESPACE = "/floor"  # not served: the server refuses it at once, a round trip with no app work
HANDLED = "learnappClicks"  # the player's handlers end every reply (done, refused, signed out) with settle()
TOAST_ERROR = r"__toast']?.[\"error\"]"  # how rx.toast.error reads inside a JSON reply


class SocketError(Exception):
    """The server closed the socket, refused it, or did not answer in time."""


def lesson_route(course: str, lesson: str) -> dict[str, Any]:
    path = f"/courses/{course}/lessons/{lesson}"
    return {"pathname": path, "asPath": path, "query": {"course": course, "lesson": lesson}}


@dataclass
class ReflexSocket:
    """One browser tab: a client token, a websocket, and the replies it receives, in order."""

    url: str  # the app's http(s) URL
    cookie: str = ""
    origin: str | None = None  # default: the app's own origin
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout: float = 30.0
    _socket: Any = None
    _inbox: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    _reader: asyncio.Task[None] | None = None
    replies: list[str] = field(default_factory=list)  # what the last call received, up to its answer

    async def connect(self, route: dict[str, Any]) -> float:
        """Open the socket with the hydrate event for `route`; wait until the page is loaded. Returns seconds."""
        parts = urlsplit(self.url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        address = f"{scheme}://{parts.netloc}{NAMESPACE}/?token={self.token}&EIO=4&transport=websocket"
        headers = {"Origin": self.origin or f"{parts.scheme}://{parts.netloc}"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        started = time.perf_counter()
        try:
            self._socket = await websockets.connect(
                address, additional_headers=headers, max_size=None, open_timeout=self.timeout, compression=None
            )
        except (OSError, websockets.InvalidHandshake) as error:
            raise SocketError(f"connection refused: {error}") from error
        opened = await asyncio.wait_for(self._socket.recv(), self.timeout)
        if not str(opened).startswith("0"):
            raise SocketError(f"unexpected Engine.IO open: {str(opened)[:200]}")
        self._reader = asyncio.create_task(self._read())
        boot = {"event": {"name": HYDRATE, "payload": {}, "router_data": route}}
        await self._socket.send(f"40{NAMESPACE},{json.dumps(boot)}")
        await self._until(lambda message: HYDRATED in message)
        return time.perf_counter() - started

    async def open(self, route: dict[str, Any]) -> float:
        """Navigate in the app (no page load) and wait for the page's on_load to finish. Returns seconds."""
        return await self.event(ON_LOAD, route, until=lambda message: HYDRATED in message)

    async def event(
        self, name: str, route: dict[str, Any], payload: dict[str, Any] | None = None, until: Any = None
    ) -> float:
        """Send one handler event; wait for the first state delta it causes (or `until`). Returns seconds."""
        self._drain()
        body = {"name": name, "payload": payload or {}, "router_data": route}
        started = time.perf_counter()
        await self._send(f"42{NAMESPACE},{json.dumps(['event', body])}")
        await self._until(until or (lambda message: '"delta"' in message))
        return time.perf_counter() - started

    async def mark_complete(self, route: dict[str, Any]) -> float:
        """Click "Mark as Complete" on the lesson of `route`; wait for the whole reply. Raises if it was refused."""
        seconds = await self.event(f"{PLAYER}.mark_complete", route, until=lambda message: HANDLED in message)
        refused = [message for message in self.replies if TOAST_ERROR in message]
        if refused:
            raise SocketError(f"the app refused the completion: {refused[0][-300:]}")
        return seconds

    async def floor(self) -> float:
        """A Socket.IO round trip through the same server and socket that runs no app code. Returns seconds."""
        self._drain()
        started = time.perf_counter()
        await self._send(f"40{PROBE_NAMESPACE},")
        await self._until(lambda message: message.startswith(f"4{PROBE_NAMESPACE},"))
        return time.perf_counter() - started

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self._socket is not None:
            await self._socket.close()

    async def _send(self, message: str) -> None:
        try:
            await self._socket.send(message)
        except websockets.ConnectionClosed as error:
            raise SocketError(f"socket closed: {error}") from error

    async def _read(self) -> None:
        try:
            async for raw in self._socket:
                message = str(raw)
                if message == "2":  # Engine.IO ping: answer or the server drops us
                    await self._socket.send("3")
                elif message.startswith("4"):
                    self._inbox.put_nowait(message[1:])
        except websockets.ConnectionClosed:
            pass
        finally:
            self._inbox.put_nowait("")  # wakes a waiter: the socket is gone

    def _drain(self) -> None:
        while not self._inbox.empty():
            if self._inbox.get_nowait() == "":
                raise SocketError("socket closed")

    async def _until(self, wanted: Any) -> str:
        self.replies = []
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SocketError(f"no answer within {self.timeout:.0f}s")
            try:
                message = await asyncio.wait_for(self._inbox.get(), remaining)
            except TimeoutError as error:
                raise SocketError(f"no answer within {self.timeout:.0f}s") from error
            if message == "":
                raise SocketError("socket closed")
            if message.startswith(f"4{NAMESPACE},"):
                raise SocketError(f"connection refused by the server: {message[:200]}")
            self.replies.append(message)
            if wanted(message):
                return message
