"""`kpireview serve`: the review in a web browser, through textual-serve.

Every browser tab runs its own `kpireview` (the TUI, with the options given to serve) on the
same database. The server listens on 127.0.0.1 unless told otherwise: it has no
authentication, so the way in from another machine is an SSH tunnel.
"""

from __future__ import annotations

import errno
import ipaddress
import shlex
import socket
import sys
from pathlib import Path

import click

from kpireview.commands.options import echo, store_options
from kpireview.errors import KpiError
from kpireview.text import safe

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@click.command("serve")
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="Address to listen on. Any other than loopback serves the review, with no "
    "authentication, to anyone who can reach it.",
)
@click.option(
    "--port",
    "port_text",
    default=str(DEFAULT_PORT),
    metavar="PORT",
    show_default=True,
    help="Port to listen on (1 to 65535).",
)
@click.option("--read-only", is_flag=True, help="Every tab opens the database read-only.")
@store_options
def serve_command(
    host: str, port_text: str, read_only: bool, db_path: Path, config_path: Path
) -> None:
    """The review in a web browser: each tab is its own session on the same database."""
    from kpireview import config
    from kpireview.store import Store

    port = parse_port(port_text)
    cfg = config.load(config_path)  # fail fast, before listening
    if cfg.keys:
        from kpireview.tui.keys import keymap

        keymap(cfg)  # its key ids too
    Store(db_path, must_exist=True, read_only=read_only).close()
    command = tab_command(db_path, config_path, read_only)
    sock = listen(host, port)
    for line, err in greeting(host, port, is_loopback(sock), read_only):
        echo(line, err=err)
    run_server(command, sock)


def parse_port(text: str) -> int:
    """The --port number, 1 to 65535."""
    if not text.strip().isdigit() or not 0 < int(text) < 65536:
        raise KpiError(f"--port {safe(text)!r}: not a port number (1 to 65535)")
    return int(text)


def tab_command(db_path: Path, config_path: Path, read_only: bool) -> str:
    """The shell command each browser tab runs: the review in the terminal, on these files."""
    args = [sys.executable, "-m", "kpireview", "tui"]
    args += ["--db", str(db_path.absolute()), "--config", str(config_path.absolute())]
    return shlex.join(args + (["--read-only"] if read_only else []))


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on host:port, or one line saying why not."""
    where = f"{safe(host)}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except OSError as exc:
        raise KpiError(f"--host {safe(host)!r}: not an address here ({exc.strerror})") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(100)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise KpiError(f"--port {port}: {where} is already in use; choose another") from None
        raise KpiError(f"cannot listen on {where}: {exc.strerror or exc}") from None
    return sock


def is_loopback(sock: socket.socket) -> bool:
    """Whether the socket is reachable from this machine only."""
    return ipaddress.ip_address(sock.getsockname()[0]).is_loopback


def greeting(host: str, port: int, loopback: bool, read_only: bool) -> list[tuple[str, bool]]:
    """What serve says as it starts: where to open it, then the SSH tunnel to use or a warning
    (each line with whether it goes to stderr)."""
    name = safe(f"[{host}]" if ":" in host else host)
    said = f"kpireview: serving the review on http://{name}:{port} (each browser tab is its own "
    lines = [(said + "session; ctrl+c stops)", False)]
    if loopback:
        tunnel = f"ssh -L {port}:{name}:{port} HOST, then open http://127.0.0.1:{port}"
        lines.append((f"From another machine, through an SSH tunnel: {tunnel}", False))
    else:
        what = "read the review" if read_only else "read the review and write to the database"
        warning = f"listening on {name}:{port} without authentication: anyone who can reach it"
        lines.append((f"kpireview: warning: {warning} can {what}", True))
    return lines


def run_server(command: str, sock: socket.socket) -> None:
    """Serve until interrupted: textual-serve runs `command` for each browser tab."""
    from kpireview.commands.webserver import ReviewServer

    ReviewServer(command, sock).serve()
