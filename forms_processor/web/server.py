"""Serving the web page with uvicorn: on this computer only (127.0.0.1) unless TLS is
configured in cluster.toml's ``[web]``; until Ctrl-C or SIGTERM."""

from __future__ import annotations

import contextlib
import ipaddress
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import uvicorn

from ..api import FormsApp
from ..errors import ConfigError, UsageError
from .app import create_app

LOCAL_NAMES = {"localhost"}


def is_local(host: str) -> bool:
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_files(forms: FormsApp) -> tuple[Path, Path] | None:
    web = forms.config.web
    if not web.certificate or not web.key:
        return None
    files = []
    for what, name in (("certificate", web.certificate), ("key", web.key)):
        path = Path(name) if Path(name).is_absolute() else forms.home.root / name
        if not path.is_file():
            raise ConfigError(f"The [web] {what} file {path} does not exist.",
                              hint="Check the file name in cluster.toml's [web] section.")
        files.append(path)
    return files[0], files[1]


def listen(host: str, port: int, local_only: bool) -> socket.socket:
    if local_only and not is_local(host):
        raise UsageError(
            f"forms web listens on this computer only (127.0.0.1), not on {host}, unless TLS is configured.",
            hint="To serve the school network, add certificate and key files to a [web] section of"
                 " cluster.toml (see the README), or leave out --host.")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"Cannot listen on {host} port {port} ({exc.strerror or exc}).",
                         hint="Another program may be using that port: choose another with --port.") from None
    sock.listen(128)
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, stopped cleanly by SIGINT or SIGTERM, which (unlike uvicorn's own
    handling) are not raised again afterwards: the command ends with "Stopped." and 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        before = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in before.items():
                signal.signal(sig, handler)


def serve(forms: FormsApp, host: str, port: int, on_ready: Callable[[str], None] = print) -> None:
    """Serve until Ctrl-C or SIGTERM (uvicorn stops cleanly on either)."""
    tls = tls_files(forms)
    sock = listen(host, port, local_only=tls is None)
    app = create_app(forms, secure=tls is not None)
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False,
                            ssl_certfile=str(tls[0]) if tls else None, ssl_keyfile=str(tls[1]) if tls else None)
    server = _Server(config)
    bound = sock.getsockname()[1]
    scheme = "https" if tls else "http"
    shown = f"[{host}]" if ":" in host else host
    on_ready(f"Serving the web page on {scheme}://{shown}:{bound}/ (Ctrl-C stops it).")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
