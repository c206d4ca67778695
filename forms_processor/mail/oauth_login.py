"""Signing in once, by a person: the device-code flow (RFC 8628; Microsoft 365, or a custom
provider) and the browser flow with PKCE and a loopback redirect (RFC 8252; Google). Both
end with the refresh token kept by :class:`~forms_processor.mail.oauth.TokenStore`."""

from __future__ import annotations

import hashlib
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import MailUnavailable, NotAllowed
from .oauth import DEVICE_GRANT, Endpoints, OAuthError, TokenStore, login_command, post_form, tokens_from

# -- signing in once: the device-code flow ---------------------------------------------------


@dataclass(frozen=True)
class DeviceCode:
    verification_uri: str
    user_code: str
    expires_in: int
    interval: float
    verification_uri_complete: str | None = None


def device_login(section: str, ep: Endpoints, store: TokenStore, show: Callable[[DeviceCode], None],
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time) -> str:
    """Run the device-code flow: ask for a code, ``show`` it, poll until the person has
    signed in (or refused, or the code expired), keep the tokens. Returns where they went."""
    form = {"client_id": ep.client_id, "scope": " ".join(ep.scopes)}
    try:
        answer = post_form(ep.device_url, form)
    except OAuthError as exc:
        raise NotAllowed(f"The sign-in service refused to start the sign-in ({exc.code}: {exc.description}).",
                         hint=f"Check oauth_client_id and the app registration (see the README) under [{section}].",
                         ) from None
    try:
        code = DeviceCode(
            verification_uri=str(answer.get("verification_uri") or answer["verification_url"]),
            user_code=str(answer["user_code"]),
            expires_in=int(answer.get("expires_in") or 900),
            interval=float(answer.get("interval") or 5),
            verification_uri_complete=answer.get("verification_uri_complete"),
        )
        device_code = str(answer["device_code"])
    except (KeyError, TypeError, ValueError):
        raise MailUnavailable("The sign-in service's answer lacked the code to show.") from None
    show(code)
    deadline = clock() + code.expires_in
    interval = code.interval
    poll = {"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": ep.client_id}
    while True:
        sleep(interval)
        if clock() > deadline:
            raise NotAllowed("The code expired before the sign-in was finished.",
                             hint=f"Run '{login_command(section)}' again and sign in within the time shown.")
        try:
            got = post_form(ep.token_url, poll)
        except OAuthError as exc:
            if exc.code == "authorization_pending":
                continue
            if exc.code == "slow_down":
                interval += 5
                continue
            if exc.code in ("access_denied", "authorization_declined"):
                raise NotAllowed("The sign-in was declined, so nothing was saved.",
                                 hint=f"Run '{login_command(section)}' again and accept the permissions asked for.",
                                 ) from None
            if exc.code in ("expired_token", "code_expired", "bad_verification_code"):
                raise NotAllowed("The code expired before the sign-in was finished.",
                                 hint=f"Run '{login_command(section)}' again and sign in within the time shown.",
                                 ) from None
            raise NotAllowed(f"The sign-in service refused the sign-in ({exc.code}: {exc.description}).",
                             hint="Check the app registration and its permissions (see the README).") from None
        tokens = tokens_from(got, ep, None, clock())
        return store.save(tokens)


# -- signing in once: the browser flow (Google) -------------------------------------------------


def browser_login(section: str, ep: Endpoints, store: TokenStore, show: Callable[[DeviceCode], None],
                  timeout: float = 300.0, open_browser: Callable[[str], object] | None = None,
                  clock: Callable[[], float] = time.time) -> str:
    """Run the authorization-code flow with PKCE and a loopback redirect (RFC 8252), the
    flow Google allows for mail: ``show`` is given the address to open in a browser on
    this computer; the provider sends the browser back to a one-time listener on
    127.0.0.1, and the code it brings is exchanged for the tokens. Returns where they went."""
    import base64
    import secrets

    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    server, got, done = _listen_for_code(state)
    redirect_uri = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        url = ep.authorize_url + "?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": ep.client_id, "redirect_uri": redirect_uri,
            "scope": " ".join(ep.scopes), "state": state, "code_challenge": challenge,
            "code_challenge_method": "S256", "access_type": "offline", "prompt": "consent",
        })
        show(DeviceCode(verification_uri=url, user_code="", expires_in=int(timeout), interval=0))
        if open_browser is not None:
            open_browser(url)
        if not done.wait(timeout):
            raise NotAllowed("The sign-in was not finished in time.",
                             hint=f"Run '{login_command(section)}' again and sign in within {int(timeout // 60)}"
                                  " minutes, in a browser on this computer.")
    finally:
        server.shutdown()
        server.server_close()
    if "code" not in got:
        raise NotAllowed("The sign-in was declined, so nothing was saved.",
                         hint=f"Run '{login_command(section)}' again and accept the permissions asked for.")
    return _exchange_code(ep, store, got["code"], redirect_uri, verifier, clock)


def _listen_for_code(state: str) -> tuple[Any, dict[str, str], Any]:
    """A one-time listener on 127.0.0.1 for the browser coming back with the code (or an
    error); returns the server (not yet serving), what it got, and an event set then."""
    from http.server import BaseHTTPRequestHandler, HTTPServer

    got: dict[str, str] = {}
    done = threading.Event()

    class Back(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            if query.get("state") != state or not ({"code", "error"} & set(query)):
                self.send_response(404)
                self.end_headers()
                return
            got.update(query)
            text = ("Signed in: you can close this window." if "code" in query
                    else "The sign-in was not finished: you can close this window.")
            body = text.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            done.set()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Back)
    return server, got, done


def _exchange_code(ep: Endpoints, store: TokenStore, code: str, redirect_uri: str, verifier: str,
                   clock: Callable[[], float]) -> str:
    """The authorization code exchanged for the tokens, which are kept; returns where."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": ep.client_id, "code_verifier": verifier}
    if ep.client_secret:
        form["client_secret"] = ep.client_secret
    try:
        answer = post_form(ep.token_url, form)
    except OAuthError as exc:
        raise NotAllowed(f"The sign-in service refused the sign-in ({exc.code}: {exc.description}).",
                         hint="Check oauth_client_id and the client secret (see the README).") from None
    return store.save(tokens_from(answer, ep, None, clock()))
