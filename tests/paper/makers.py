"""Forms made with the real tools a school's computer has, for the paper tests and the bench.

The cluster's Word template filled, then printed to PDF by LibreOffice on A4 or Letter
with the template's margins or narrow ones; the cluster's fillable PDF filled, then
flattened by pdftk or qpdf, printed by poppler, re-distilled by ghostscript. Every
maker writes real files with the real program and returns the bytes.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from lxml import etree

from forms_processor.config import Config, load_config
from forms_processor.documents import (
    fill_docx,
    fill_pdf,
    sample_application,
    sample_impact,
    template_docx,
    template_pdf,
)
from forms_processor.example import EXAMPLE_CONFIG
from forms_processor.spec import APPLICATION, IMPACT, FieldType, FormSpec

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Page sizes and margins in twentieths of a point.
PAGES = {"A4": (11906, 16838), "Letter": (12240, 15840)}
MARGINS = {"normal": 1134, "narrow": 567}  # 2 cm, 1 cm

TOOLS = {
    "soffice": "LibreOffice (soffice)",
    "pdftk": "pdftk",
    "qpdf": "qpdf",
    "gs": "ghostscript (gs)",
    "pdftocairo": "poppler-utils (pdftocairo)",
    "pdftoppm": "poppler-utils (pdftoppm)",
}


def missing(*tools: str) -> str | None:
    """The reason to skip when one of these programs is not installed, else None."""
    absent = [TOOLS.get(t, t) for t in tools if shutil.which(t) is None]
    return f"not installed: {', '.join(absent)}" if absent else None


def example_config(folder: Path) -> Config:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cluster.toml").write_text(EXAMPLE_CONFIG)
    return load_config(folder / "cluster.toml")


def sample_values(config: Config, seed: int = 7) -> dict[str, dict[str, str | bool]]:
    """A filled application and impact form's values, by form id (empty values left out)."""
    rng = random.Random(seed)
    school = config.schools[seed % len(config.schools)]
    app, _ = sample_application(config, rng, school=school)
    impact = sample_impact(config, rng, "WVC-2627-AU1-001", school, app, date(2027, 4, 1))
    return {
        APPLICATION.form_id: {k: v for k, v in app.items() if v not in ("", None)},
        IMPACT.form_id: {k: v for k, v in impact.items() if v not in ("", None)},
    }


def spec_of(form_id: str) -> FormSpec:
    return APPLICATION if form_id == APPLICATION.form_id else IMPACT


def with_page(docx: bytes, page: str, margin: str) -> bytes:
    """The Word file with its page size and margins set, in every section."""
    width, height = PAGES[page]
    m = MARGINS[margin]
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                root = etree.fromstring(data)
                for sect in root.iter(f"{{{W}}}sectPr"):
                    for old in sect.findall(f"{{{W}}}pgSz") + sect.findall(f"{{{W}}}pgMar"):
                        sect.remove(old)
                    sz = etree.SubElement(sect, f"{{{W}}}pgSz")
                    sz.set(f"{{{W}}}w", str(width))
                    sz.set(f"{{{W}}}h", str(height))
                    mar = etree.SubElement(sect, f"{{{W}}}pgMar")
                    for side in ("top", "right", "bottom", "left"):
                        mar.set(f"{{{W}}}{side}", str(m))
                    for side in ("header", "footer"):
                        mar.set(f"{{{W}}}{side}", str(m // 2))
                    mar.set(f"{{{W}}}gutter", "0")
                    # Schema order: pgSz and pgMar come before cols/docGrid etc.
                    for el in (mar, sz):
                        sect.remove(el)
                        sect.insert(0, el)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(info, data)
    return out.getvalue()


def run(cmd: list[str], timeout: float = 120) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)


def soffice_convert(folder: Path, files: list[Path], to: str = "pdf") -> list[Path]:
    """Files converted by LibreOffice, headless, in one call (one start for the batch),
    with a profile of its own so parallel tests never share one."""
    out = folder / f"converted-{to.split(':')[0]}"
    profile = folder / "lo-profile"
    run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", to,
         "--outdir", str(out), *map(str, files)], timeout=240)
    ext = to.split(":")[0]
    return [out / f"{f.stem}.{ext}" for f in files]


def printed_word(folder: Path, config: Config, values: dict[str, dict[str, str | bool]],
                 pages: list[tuple[str, str]]) -> dict[tuple[str, str, str], bytes]:
    """(form id, page, margin) → the filled Word form printed to PDF by LibreOffice."""
    folder.mkdir(parents=True, exist_ok=True)
    files, keys = [], []
    for form_id, vals in values.items():
        docx = fill_docx(template_docx(spec_of(form_id), config), vals)
        for page, margin in pages:
            path = folder / f"{form_id}-{page}-{margin}.docx"
            path.write_bytes(with_page(docx, page, margin))
            files.append(path)
            keys.append((form_id, page, margin))
    return {k: p.read_bytes() for k, p in zip(keys, soffice_convert(folder, files), strict=True)}


def flatteners() -> dict[str, Callable[[Path, Path], list[str]]]:
    """Ways a filled PDF loses its fields: name → (input, output) → the command.

    ``qpdf`` flattens the appearances the filling program drew (as after a viewer saved
    them); ``qpdf-own`` has qpdf draw its own first, which cannot draw "£" (it writes "?")
    and does not wrap a long value (it runs on, clipped, under the next cell)."""
    return {
        "pdftk": lambda i, o: ["pdftk", str(i), "output", str(o), "flatten"],
        "qpdf": lambda i, o: ["qpdf", "--flatten-annotations=all", str(i), str(o)],
        "qpdf-own": lambda i, o: ["qpdf", "--generate-appearances", "--flatten-annotations=all", str(i), str(o)],
        "pdftocairo": lambda i, o: ["pdftocairo", "-pdf", str(i), str(o)],
    }


def saved_appearances(pdf: bytes) -> bytes:
    """The filled PDF as a viewer saves it: its fields' appearances drawn, so it no longer
    asks viewers to redraw them (NeedAppearances off)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import BooleanObject, NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    acro = writer._root_object["/AcroForm"]
    acro[NameObject("/NeedAppearances")] = BooleanObject(False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def filled_twice(pdf: bytes, changes: dict[str, str]) -> bytes:
    """The filled PDF changed again and saved as an incremental update (the first filling's
    values stay in the file, the new ones appended after them), as Acrobat saves."""
    from pypdf import PdfWriter

    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    for page in writer.pages:
        writer.update_page_form_field_values(page, changes, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def flattened(folder: Path, config: Config, form_id: str, values: dict[str, str | bool], how: str,
              pdf: bytes | None = None) -> bytes:
    src = folder / f"{form_id}-{how}-fillable.pdf"
    data = pdf if pdf is not None else fill_pdf(template_pdf(spec_of(form_id), config), values)
    src.write_bytes(saved_appearances(data) if how == "qpdf" else data)
    out = folder / f"{form_id}-{how}.pdf"
    run(flatteners()[how](src, out))
    return out.read_bytes()


def distilled(folder: Path, data: bytes, name: str) -> bytes:
    """The PDF re-written by ghostscript (pdfwrite), as a 'print to PDF' driver does."""
    src, out = folder / f"{name}-in.pdf", folder / f"{name}-gs.pdf"
    src.write_bytes(data)
    run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", f"-sOutputFile={out}", str(src)])
    return out.read_bytes()


def linearized(folder: Path, data: bytes, name: str) -> bytes:
    src, out = folder / f"{name}-in.pdf", folder / f"{name}-lin.pdf"
    src.write_bytes(data)
    run(["qpdf", "--linearize", str(src), str(out)])
    return out.read_bytes()


def compare(spec: FormSpec, expected: dict[str, str | bool], got: dict[str, str | bool]) -> list[str]:
    """The fields read wrong, one line each (empty when every field is right). Choices are
    compared as the checker compares them (case, spaces and punctuation ignored)."""
    from forms_processor.validation.parsing import fold_choice

    def seen(key: str, value: str | bool) -> str | bool:
        try:
            kind = spec.field(key).type
        except KeyError:
            return value
        if isinstance(value, str):
            value = " ".join(value.split())
            if kind is FieldType.CHOICE:
                return fold_choice(value)
        return value

    out = []
    for key in sorted(set(expected) | set(got)):
        want = seen(key, expected[key]) if key in expected else None
        have = seen(key, got[key]) if key in got else None
        if want != have:
            out.append(f"{key}: expected {expected.get(key)!r}, read {got.get(key)!r}")
    return out


def _scanned_pages(folder: Path, pdf: bytes, name: str, dpi: int, angle: float, noise: float,
                   seed: int) -> list:
    """The printed PDF's pages as a scanner sees them: rendered by pdftoppm at ``dpi`` in grey,
    turned by ``angle`` degrees, with ``noise`` (the share of pixels flipped to a random grey)."""
    import numpy as np
    from PIL import Image

    src = folder / f"{name}-print.pdf"
    src.write_bytes(pdf)
    run(["pdftoppm", "-r", str(dpi), "-gray", str(src), str(folder / f"{name}-page")])
    rng = np.random.default_rng(seed)
    pages = []
    for path in sorted(folder.glob(f"{name}-page-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        with Image.open(path) as img:
            page = img.convert("L").rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
        pixels = np.asarray(page).copy()
        flip = rng.random(pixels.shape) < noise
        pixels[flip] = rng.integers(0, 256, int(flip.sum()), dtype=np.uint8)
        pages.append(Image.fromarray(pixels))
    return pages


def scanned(folder: Path, pdf: bytes, name: str, dpi: int = 300, angle: float = 0.0, noise: float = 0.0,
            seed: int = 1) -> bytes:
    """The printed form scanned: an image-only PDF (one JPEG a page, as a scanner writes it)."""
    pages = _scanned_pages(folder, pdf, name, dpi, angle, noise, seed)
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi, quality=85)
    return out.getvalue()


def photographed(folder: Path, pdf: bytes, name: str, angle: float = 2.0, seed: int = 1) -> bytes:
    """The printed form's first page photographed: a JPEG with no resolution of its own, a little
    turned, grainy, unevenly lit (darker towards one side) and saved at a phone's quality."""
    return photographed_pages(folder, pdf, name, angle, seed)[0]


def photographed_pages(folder: Path, pdf: bytes, name: str, angle: float = 2.0, seed: int = 1) -> list[bytes]:
    """Every page of the printed form photographed as ``photographed`` does the first, one JPEG a
    page, as a SENCO photographs a paper form with a phone."""
    import numpy as np
    from PIL import Image

    photos = []
    for page in _scanned_pages(folder, pdf, name, 200, angle, 0.01, seed):
        pixels = np.asarray(page).astype(np.float32)
        shade = np.linspace(1.0, 0.8, pixels.shape[1], dtype=np.float32)[None, :]
        photo = Image.fromarray(np.clip(pixels * shade, 0, 255).astype(np.uint8)).convert("RGB")
        out = io.BytesIO()
        photo.save(out, format="JPEG", quality=80)
        photos.append(out.getvalue())
    return photos


def in_script_font(docx: bytes, font: str = "Z003") -> bytes:
    """The filled Word form with every typed value (the content controls' text) set in ``font``:
    a form "filled in by hand", as near as the machine's fonts come (Z003 is a chancery script)."""
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                root = etree.fromstring(data)
                for run in root.iter(f"{{{W}}}r"):
                    if not any(a.tag == f"{{{W}}}sdtContent" for a in run.iterancestors()):
                        continue
                    props = run.find(f"{{{W}}}rPr")
                    if props is None:
                        props = etree.SubElement(run, f"{{{W}}}rPr")
                        run.remove(props)
                        run.insert(0, props)
                    for old in props.findall(f"{{{W}}}rFonts"):
                        props.remove(old)
                    fonts = etree.Element(f"{{{W}}}rFonts")
                    for attr in ("ascii", "hAnsi", "cs"):
                        fonts.set(f"{{{W}}}{attr}", font)
                    props.insert(0, fonts)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(info, data)
    return out.getvalue()
