"""Whether an email's From address was authenticated by the server that received it.

The allow-list of school addresses trusts the ``From`` header, which anyone can write.
The receiving server (Microsoft 365 and Google always do this) records what it checked
in an ``Authentication-Results`` header (RFC 8601): SPF, DKIM and DMARC. A school
address is trusted only when that header says ``dmarc=pass`` for the From domain, or
failing a DMARC verdict, ``dkim=pass`` or ``spf=pass`` for a domain aligned with it.

Which header: the receiving server adds its own on top, so the topmost one is read
(a sender can add any number below it). Where the server names itself (``mx.google.com``;
Microsoft 365 names nobody), ``authserv_id`` in ``[imap]`` pins it: only a header with
that name counts. ``sender_authentication`` says what to do:

- ``"when-present"`` (the default): checked when the header is there; mail with none is
  trusted on its From address alone, as before;
- ``"required"``: mail without the header is not trusted;
- ``"off"``: not checked (a server that adds headers that cannot be relied on).

Pure: headers in, a verdict out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message

MODES = ("when-present", "required", "off")


@dataclass(frozen=True)
class Result:
    method: str  # dmarc | dkim | spf | arc | ...
    result: str  # pass | fail | none | ...
    props: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthResults:
    authserv_id: str | None
    results: tuple[Result, ...]


@dataclass(frozen=True)
class SenderCheck:
    trusted: bool
    # Short and plain, for the quarantine record: "dmarc=fail for aldborough.example.org".
    reason: str


def _strip_comments(text: str) -> str:
    """RFC 5322 comments (nested parentheses) removed; quoted strings kept whole."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if quoted:
            out.append(ch)
            if ch == '"':
                quoted = False
            continue
        if ch == '"' and depth == 0:
            quoted = True
            out.append(ch)
        elif ch == "(":
            depth += 1
            out.append(" ")
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


_PAIR = re.compile(r'([A-Za-z0-9_.\-/]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;]+)')


def parse(value: str) -> AuthResults:
    """One Authentication-Results header value. Unreadable parts are passed over."""
    segments = [s.strip() for s in _strip_comments(" ".join(value.split())).split(";")]
    authserv_id: str | None = None
    if segments and "=" not in segments[0]:
        # "mx.google.com" or "mx.example.org 1" (a version); Microsoft 365 writes none.
        words = segments.pop(0).split()
        authserv_id = words[0].lower() if words else None
    results: list[Result] = []
    for segment in segments:
        pairs = [(k.lower(), v.strip('"')) for k, v in _PAIR.findall(segment)]
        if not pairs:
            continue  # "none": nothing was checked
        method, result = pairs[0]
        name = method.split("/")[0]  # "dkim/1": a version
        if name and result:
            results.append(Result(name, result.lower(), dict(pairs[1:])))
    return AuthResults(authserv_id, tuple(results))


def _domain(value: str | None) -> str:
    text = (value or "").strip().strip("<>").lower().rstrip(".")
    return text.rpartition("@")[2]


def aligned(from_domain: str, other: str) -> bool:
    """DMARC's relaxed alignment without the public-suffix list: the same domain, or one
    a subdomain of the other (mail.school.org and school.org)."""
    a, b = from_domain.lower().rstrip("."), other.lower().rstrip(".")
    if not a or not b:
        return False
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def receiving_server_results(msg: Message, authserv_id: str | None = None) -> AuthResults | None:
    """The topmost Authentication-Results header (or the topmost one naming ``authserv_id``)."""
    for raw in msg.get_all("Authentication-Results", []) or []:
        try:
            parsed = parse(str(raw))
        except Exception:  # noqa: BLE001 - a header the email package cannot decode counts as absent
            continue
        if authserv_id is None or parsed.authserv_id == authserv_id.lower():
            return parsed
    return None


def check_sender(msg: Message, from_address: str, mode: str = "when-present",
                 authserv_id: str | None = None, own_domain: str | None = None) -> SenderCheck:
    """Whether ``from_address`` (the message's From) was authenticated by the receiving server.

    Mail from the mailbox's own domain (``own_domain``: the high school writing to its own
    forms mailbox) stays inside the organisation's mail system, which often checks
    nothing for it (Microsoft 365 writes ``dmarc=none`` there): only an explicit failure
    counts against it."""
    if mode == "off":
        return SenderCheck(True, "sender authentication not checked (sender_authentication = \"off\")")
    domain = _domain(from_address)
    found = receiving_server_results(msg, authserv_id)
    if found is None:
        if mode == "required":
            named = f" from {authserv_id}" if authserv_id else ""
            return SenderCheck(False, f"no Authentication-Results header{named}: the sender could not be checked")
        return SenderCheck(True, "no Authentication-Results header")
    by_method: dict[str, list[Result]] = {}
    for r in found.results:
        by_method.setdefault(r.method, []).append(r)
    for r in by_method.get("dmarc", []):
        header_from = _domain(r.props.get("header.from")) or domain
        if r.result == "pass" and header_from == domain:
            return SenderCheck(True, f"dmarc=pass for {domain}")
        if r.result in ("fail", "quarantine", "reject"):
            return SenderCheck(False, f"dmarc={r.result} for {header_from}: the From address is forged or not"
                                      " authenticated")
    for r in by_method.get("dkim", []):
        signer = _domain(r.props.get("header.d") or r.props.get("header.i"))
        if r.result == "pass" and aligned(domain, signer):
            return SenderCheck(True, f"dkim=pass for {signer}")
    for r in by_method.get("spf", []):
        envelope = _domain(r.props.get("smtp.mailfrom") or r.props.get("smtp.helo"))
        if r.result == "pass" and aligned(domain, envelope):
            return SenderCheck(True, f"spf=pass for {envelope}")
    seen = ", ".join(f"{r.method}={r.result}" for r in found.results if r.method in ("dmarc", "dkim", "spf"))
    if own_domain and domain == own_domain.lower() and not any(
            r.result in ("fail", "softfail", "permerror") for r in found.results if r.method in ("dkim", "spf")):
        return SenderCheck(True, f"from this mailbox's own domain ({seen or 'nothing checked'})")
    return SenderCheck(False, f"not authenticated for {domain} ({seen or 'nothing checked'})")
