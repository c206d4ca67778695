"""Older word-processor files (.doc, .odt, .rtf), converted to Word (.docx) by LibreOffice;
and any word-processor file converted to PDF, to show it as it looks (``convert_to_pdf``).

LibreOffice runs headless, as a child of the reading worker, under the same limits: its
address space is capped (``RLIMIT_AS``, the worker's memory limit), it is killed with
its whole process group when it overruns the worker's time, and it works in a private
folder (0700) that is removed afterwards. One LibreOffice profile is made per worker
process and kept for the batch, so only a worker's first file pays LibreOffice's first
start. The converted file is then read by the Word reader like any other.

Without LibreOffice, each kind is refused with the message it has always had: save it
as .docx or PDF and send it again.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from ..errors import UnreadableDocument
from .base import ExtractedForm, took_too_long

MB = 1024 * 1024
# What each kind is called in a message, and the extension LibreOffice is given.
_KINDS = {
    "doc": ("an old-style Word file (.doc)", "old-word"),
    "odt": ("an OpenDocument file (LibreOffice/OpenOffice, .odt)", "unsupported-format"),
    "rtf": ("a Rich Text (.rtf) file", "unsupported-format"),
}
_NAMES = {"doc": "old-style Word file (.doc)", "odt": "OpenDocument file (.odt)", "rtf": "Rich Text (.rtf) file"}
# The share of the worker's time the conversion may take (the reading needs the rest).
_TIME_SHARE = 0.8

_profile: Path | None = None
_RESTART = 81


def refusal(kind: str, converted: bool = False) -> UnreadableDocument:
    """The polite refusal of an older file: not convertible here, or conversion failed."""
    what, reason = _KINDS[kind]
    if converted:
        return UnreadableDocument(
            f"This is {what}, and it could not be opened to read the form; it may be damaged.",
            "Please open it in Word, save it as a Word document (.docx) or PDF and resend it.",
            reason,
        )
    if kind == "doc":
        return UnreadableDocument(
            "This is an old-style Word file (.doc), which can't be read reliably.",
            "Please save it as .docx or PDF and resend it.",
            reason,
        )
    if kind == "odt":
        return UnreadableDocument(
            "This is an OpenDocument file (LibreOffice/OpenOffice), which can't be read reliably.",
            "Please save it as a Word document (.docx) or as a PDF and resend it.",
            reason,
        )
    return UnreadableDocument(
        "This is a Rich Text (.rtf) file, not one of the cluster's forms.",
        "Please save it as .docx or PDF and resend it.",
        reason,
    )


def libreoffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _office_binary(program: str) -> str:
    """LibreOffice's own program (soffice.bin) behind the ``soffice`` launcher script, run
    directly so that it is the worker's own child and dies with it; else the launcher."""
    binary = Path(os.path.realpath(program)).with_name("soffice.bin")
    return str(binary) if binary.is_file() else program


def _profiles() -> Path:
    base = Path(tempfile.gettempdir()) / f"forms-libreoffice-{os.getuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    return base


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _worker_profile() -> Path:
    """This process's LibreOffice profile, made once and kept for the batch. Profiles left
    by workers that are gone (killed for overrunning) are removed when a new one is made."""
    global _profile
    if _profile is None or not _profile.exists():
        base = _profiles()
        for old in base.glob("worker-*"):
            pid = old.name.removeprefix("worker-")
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
        _profile = base / f"worker-{os.getpid()}"
        _profile.mkdir(mode=0o700, exist_ok=True)
        atexit.register(remove_profile)
    return _profile


def remove_profile() -> None:
    """Remove this process's LibreOffice profile (a reading worker calls it as it stops)."""
    global _profile
    if _profile is not None:
        shutil.rmtree(_profile, ignore_errors=True)
        _profile = None


def _limit(memory_mb: int) -> None:
    import resource

    limit = memory_mb * MB
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY and hard < limit:
        limit = hard
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:  # Linux: LibreOffice dies with the worker, even when the worker is killed
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def convert_to_docx(data: bytes, kind: str, timeout_seconds: float, memory_mb: int) -> bytes:
    """The file as a Word document, converted by LibreOffice. Raises UnreadableDocument."""
    result = _convert(data, kind, "docx:MS Word 2007 XML", "docx", timeout_seconds, memory_mb)
    if result is None:
        raise refusal(kind, converted=True)
    return result


def convert_to_pdf(data: bytes, kind: str, timeout_seconds: float, memory_mb: int) -> bytes | None:
    """A word-processor file (``kind``: docx, doc, odt, rtf) as a PDF made by LibreOffice, to
    show it as it looks; None when LibreOffice is not installed or could not convert it."""
    if libreoffice() is None:
        return None
    return _convert(data, kind, "pdf:writer_pdf_Export", "pdf", timeout_seconds, memory_mb)


def _convert(data: bytes, kind: str, target: str, extension: str, timeout_seconds: float,
             memory_mb: int) -> bytes | None:
    """The file converted by LibreOffice (headless, under the limits, in a private folder) to
    ``target`` (its filter); None when it failed. Raises UnreadableDocument (no LibreOffice:
    the refusal of ``kind``; too long: took_too_long)."""
    program = libreoffice()
    if program is None:
        raise refusal(kind)
    work = Path(tempfile.mkdtemp(prefix="forms-convert-"))
    try:
        source = work / f"form.{kind}"
        fd = os.open(source, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        out = work / "out"
        cmd = [
            _office_binary(program), f"-env:UserInstallation={_worker_profile().as_uri()}", "--headless",
            "--norestore", "--nolockcheck", "--convert-to", target, "--outdir", str(out), str(source),
        ]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "SAL_USE_VCLPLUGIN": "svp",
               "LANG": "C.UTF-8"}
        deadline = time.monotonic() + timeout_seconds * _TIME_SHARE
        returncode = _RESTART
        # LibreOffice asks to be started again (exit code 81) once it has made a new profile.
        for _ in range(2):
            if returncode != _RESTART:
                break
            returncode = _run(cmd, env, work, deadline, memory_mb)
        result = out / f"form.{extension}"
        if returncode != 0 or not result.is_file() or result.stat().st_size == 0:
            return None
        return result.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(cmd: list[str], env: dict[str, str], work: Path, deadline: float, memory_mb: int) -> int:
    """Run LibreOffice once, under the memory limit, until the deadline; its exit code."""
    proc = subprocess.Popen(  # noqa: S603 - a fixed program and arguments, no shell
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        cwd=work, start_new_session=True, preexec_fn=lambda: _limit(memory_mb),  # noqa: PLW1509
    )
    try:
        return proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise took_too_long() from None
    finally:
        _kill_group(proc)  # LibreOffice's helpers, if any stayed behind


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def read_legacy(data: bytes, kind: str, timeout_seconds: float, memory_mb: int) -> ExtractedForm:
    """Read an older file as Word: converted by LibreOffice, then read by the Word reader."""
    from .docx_reader import read_docx
    from .labels import not_a_form

    docx = convert_to_docx(data, kind, timeout_seconds, memory_mb)
    try:
        form = read_docx(docx)
    except UnreadableDocument as exc:
        if exc.reason == "not-a-form":
            raise not_a_form(_NAMES[kind]) from None
        raise refusal(kind, converted=True) from None
    what = _KINDS[kind][0]
    form.notes.append(f"The form was {what}, converted to Word with LibreOffice before it was read")
    return form
