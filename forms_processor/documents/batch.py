"""A deadline-day batch of invented forms, for the demo, the benchmarks and tests.

Every value is made up (documents.samples); the files are the cluster's real
templates filled in, half Word and half PDF, some with mistakes, plus a few
files that cannot be read at all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ..config import Config
from ..spec import APPLICATION
from .fill import fill_docx, fill_pdf
from .samples import sample_application
from .templates import template_docx, template_pdf


@dataclass
class Batch:
    files: list[Path] = field(default_factory=list)
    # file name -> the mistakes put in it ("" for none; "unreadable" for broken files)
    mistakes: dict[str, list[str]] = field(default_factory=dict)


_TEMPLATES: dict[str, tuple[bytes, bytes]] = {}


def application_templates(config: Config) -> tuple[bytes, bytes]:
    """The Word and PDF application templates for ``config`` (made once per process)."""
    key = config.model_dump_json()
    if key not in _TEMPLATES:
        _TEMPLATES[key] = (template_docx(APPLICATION, config), template_pdf(APPLICATION, config))
    return _TEMPLATES[key]


def write_batch(
    config: Config,
    folder: Path,
    *,
    count: int = 24,
    mistake_share: float = 0.1,
    seed: int | None = None,
    today: date | None = None,
    broken: bool = True,
) -> Batch:
    """Write ``count`` filled application forms (half .docx, half .pdf) into ``folder``.

    About ``mistake_share`` of them carry one to three mistakes. With ``broken``,
    three more files are added that cannot be read: a truncated Word file, a
    picture named .pdf and an empty file.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    docx_t, pdf_t = application_templates(config)
    batch = Batch()
    n_bad = round(count * mistake_share)
    bad_slots = set(rng.sample(range(count), n_bad)) if n_bad else set()
    stamp = datetime.now().strftime("%H%M%S")
    for i in range(count):
        school = config.schools[i % len(config.schools)]
        values, mistakes = sample_application(
            config, rng, school=school, mistakes=rng.randint(1, 3) if i in bad_slots else 0, today=today
        )
        title = str(values.get("intervention_title") or "application")
        as_word = i % 2 == 0
        data = fill_docx(docx_t, values) if as_word else fill_pdf(pdf_t, values)
        name = f"{school.code} {title[:40]} {stamp}-{i:03d}.{'docx' if as_word else 'pdf'}".replace("/", "-")
        path = folder / name
        path.write_bytes(data)
        batch.files.append(path)
        batch.mistakes[name] = mistakes
    if broken:
        noise = bytes(rng.randrange(256) for _ in range(2000))
        extras = {
            f"truncated application {stamp}.docx": docx_t[: len(docx_t) // 3] + noise[:64],
            f"scan of form {stamp}.pdf": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + noise,
            f"covering letter {stamp}.docx": _letter(f"Dear SEND Host, please find our application attached. ({stamp}-{rng.randrange(10**9)})"),
        }
        for name, data in extras.items():
            path = folder / name
            path.write_bytes(data)
            batch.files.append(path)
            batch.mistakes[name] = ["unreadable"]
    return batch


def _letter(text: str) -> bytes:
    """A Word document that is not one of the forms (a covering letter)."""
    import io

    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
