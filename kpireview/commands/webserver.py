"""The web server of `kpireview serve`: textual-serve's, on a socket already listening, its
page's addresses taken from the request (so a tunnel's or a proxy's host and port work)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from typing import Any

from aiohttp import web
from textual_serve.server import Server

SHUTDOWN_SECONDS = 3.0


class ReviewServer(Server):
    """textual-serve's server, quiet at start (serve printed where it is)."""

    def __init__(self, command: str, sock: socket.socket) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(command, host=host, port=port, title="kpireview")
        self.sock = sock

    async def on_startup(self, app: web.Application) -> None:
        """Nothing to print: serve said where to open the review."""

    async def handle_index(self, request: web.Request) -> Any:
        """The page, its websocket and static addresses on the host the browser asked."""
        self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    def serve(self, debug: bool = False) -> None:
        """Serve until ctrl+c or SIGTERM."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, self.request_exit)
        web.run_app(
            self._make_app(),
            sock=self.sock,
            handle_signals=False,
            loop=loop,
            print=None,
            access_log=None,
            shutdown_timeout=SHUTDOWN_SECONDS,
        )
