"""A small OAuth 2.0 identity provider for the tests, on loopback: the RFC 8628 device
authorization endpoint, an authorization endpoint for the browser flow (with PKCE, as
Google's), the RFC 6749 token endpoint (device code, authorization code and refresh
token grants) and an RFC 7662 introspection endpoint for the test IMAP server. Its clock is
the test's, so expiry needs no waiting."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CLIENT_ID = "forms-test-client"


@dataclass
class Clock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Pending:
    user_code: str
    scope: str
    expires_at: float
    polls: int = 0
    approved_as: str | None = None
    denied: bool = False


@dataclass
class IdentityProvider:
    clock: Clock = field(default_factory=Clock)
    access_lifetime: float = 3600.0
    # Device codes are approved by the person after this many polls (None: wait for approve()).
    approve_after_polls: int | None = None
    user: str = "send.host@wensum-high.example.org"
    pending: dict[str, Pending] = field(default_factory=dict)
    access: dict[str, tuple[str, float, str]] = field(default_factory=dict)  # token -> user, expiry, scope
    refresh: dict[str, tuple[str, str]] = field(default_factory=dict)  # token -> user, scope
    log: list[str] = field(default_factory=list)
    # The browser flow: codes handed out (code -> redirect, PKCE challenge, scope).
    codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    decline: bool = False
    # When set, token requests must carry this client secret (Google's desktop clients).
    client_secret: str | None = None
    interval: float = 0.01
    # Where it listens (set by IdpServer.start).
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- what the person and the admin do --------------------------------------------------

    def approve(self, user_code: str) -> None:
        with self.lock:
            for p in self.pending.values():
                if p.user_code == user_code:
                    p.approved_as = self.user

    def deny(self, user_code: str) -> None:
        with self.lock:
            for p in self.pending.values():
                if p.user_code == user_code:
                    p.denied = True

    def revoke_all(self) -> None:
        """The user (or an admin) withdrew the consent: every token stops working."""
        with self.lock:
            self.refresh.clear()
            self.access.clear()

    def valid(self, token: str, scope_part: str = "") -> str | None:
        """The user an access token was issued to, when it is valid now."""
        with self.lock:
            found = self.access.get(token)
        if found is None or found[1] <= self.clock() or scope_part not in found[2]:
            return None
        return found[0]

    # -- the browser flow (Google's kind) ---------------------------------------------------

    def authorize(self, query: dict[str, str]) -> str:
        """GET /authorize: the person signs in and accepts (or declines, ``decline``);
        answers with where the browser is sent back to."""
        with self.lock:
            redirect = query.get("redirect_uri", "")
            if query.get("client_id") != CLIENT_ID or not redirect.startswith("http://127.0.0.1:"):
                return ""
            self.log.append("authorize")
            if self.decline:
                return redirect + "?" + urllib.parse.urlencode({"error": "access_denied", "state": query["state"]})
            code = "ac-" + secrets.token_hex(8)
            self.codes[code] = (redirect, query.get("code_challenge", ""), query.get("scope", ""))
            return redirect + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})

    # -- the endpoints ---------------------------------------------------------------------

    def _issue(self, user: str, scope: str) -> dict[str, Any]:
        access, refresh = "at-" + secrets.token_hex(8), "rt-" + secrets.token_hex(8)
        self.access[access] = (user, self.clock() + self.access_lifetime, scope)
        self.refresh[refresh] = (user, scope)
        return {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
                "expires_in": int(self.access_lifetime), "scope": scope}

    def handle(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if form.get("client_id") != CLIENT_ID and path != "/introspect":
                return 400, {"error": "invalid_client"}
            if path == "/token" and self.client_secret and form.get("client_secret") != self.client_secret:
                return 401, {"error": "invalid_client", "error_description": "client secret missing or wrong"}
            if path == "/device":
                code = secrets.token_hex(8)
                user_code = "".join(secrets.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(8))
                self.pending[code] = Pending(user_code, form.get("scope", ""), self.clock() + 900)
                self.log.append("device")
                return 200, {"device_code": code, "user_code": user_code, "verification_uri": "https://idp.test/device",
                             "expires_in": 900, "interval": self.interval}
            if path == "/token" and form.get("grant_type") == "urn:ietf:params:oauth:grant-type:device_code":
                p = self.pending.get(form.get("device_code", ""))
                self.log.append("poll")
                if p is None:
                    return 400, {"error": "invalid_grant"}
                if p.expires_at <= self.clock():
                    return 400, {"error": "expired_token"}
                if p.denied:
                    return 400, {"error": "access_denied"}
                p.polls += 1
                if p.approved_as is None and self.approve_after_polls is not None and p.polls >= self.approve_after_polls:
                    p.approved_as = self.user
                if p.approved_as is None:
                    return 400, {"error": "authorization_pending"}
                del self.pending[form["device_code"]]
                return 200, self._issue(p.approved_as, p.scope)
            if path == "/token" and form.get("grant_type") == "authorization_code":
                self.log.append("code")
                found = self.codes.pop(form.get("code", ""), None)
                if found is None or found[0] != form.get("redirect_uri"):
                    return 400, {"error": "invalid_grant"}
                verifier = form.get("code_verifier", "").encode("ascii")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
                if challenge != found[1]:
                    return 400, {"error": "invalid_grant", "error_description": "PKCE verifier does not match"}
                return 200, self._issue(self.user, found[2])
            if path == "/token" and form.get("grant_type") == "refresh_token":
                self.log.append("refresh")
                found = self.refresh.pop(form.get("refresh_token", ""), None)
                if found is None:
                    return 400, {"error": "invalid_grant", "error_description": "AADSTS70000: consent revoked"}
                return 200, self._issue(*found)  # the refresh token rotates, as Microsoft's do
            if path == "/introspect":
                token = form.get("token", "")
                found = self.access.get(token)
                active = found is not None and found[1] > self.clock()
                return 200, {"active": active, "username": found[0] if found else None}
            return 404, {"error": "not_found"}


class IdpServer:
    def __init__(self, idp: IdentityProvider) -> None:
        self.idp = idp
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server name
                split = urllib.parse.urlsplit(self.path)
                back = outer.idp.authorize(dict(urllib.parse.parse_qsl(split.query))) if split.path == "/authorize" else ""
                if not back:
                    self.send_response(400)
                    self.end_headers()
                    return
                self.send_response(302)
                self.send_header("Location", back)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("ascii")))
                status, answer = outer.idp.handle(self.path, form)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> IdpServer:
        self.idp.base_url = f"http://127.0.0.1:{self.port}"
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
