"""What Tesseract makes of handwriting-like values: a measure, not a test.

    python bench/bench_handwriting.py [--values 40]

No handwriting font is installed on the development machine; the nearest is URW's Z003
(a chancery script, in ghostscript's fonts). Each of a form's typical values (names,
dates, amounts, short sentences, from the sample forms) is drawn at 300 dpi, about 12 pt,
three ways: in DejaVu Sans (typed), in Z003 (a neat script), and in Z003 with every letter
moved up or down and turned a little, as a hand writes (a rough stand-in for neat
handwriting). Each line is read by one Tesseract call (``--psm 7``, one line) and compared
with what was drawn: the share of values read exactly (spaces and case aside) and the share
of characters right. Real handwriting (joined letters, uneven sizes, a pen's strokes) reads
worse than any of these.
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import random
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from forms_processor.documents import fill_docx, template_docx  # noqa: E402
from forms_processor.readers import read_document  # noqa: E402
from tests.paper.makers import (  # noqa: E402
    compare,
    example_config,
    in_script_font,
    missing,
    sample_values,
    scanned,
    soffice_convert,
    spec_of,
)

FONTS = {
    "typed (DejaVu Sans)": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "script (Z003)": "/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf",
}


def draw(text: str, font_path: str, jitter: bool, rng: random.Random) -> Image.Image:
    font = ImageFont.truetype(font_path, 50)
    width = int(font.getlength(text)) + 200
    page = Image.new("L", (width, 140), 255)
    if not jitter:
        ImageDraw.Draw(page).text((60, 30), text, font=font, fill=20)
        return page
    x = 60.0
    for ch in text:
        glyph = Image.new("L", (90, 120), 0)
        ImageDraw.Draw(glyph).text((15, 20), ch, font=font, fill=255)
        glyph = glyph.rotate(rng.uniform(-8, 8), resample=Image.Resampling.BICUBIC)
        page.paste(20, (int(x) - 15, 10 + rng.randint(-5, 5)), glyph)
        x += font.getlength(ch) * rng.uniform(0.95, 1.1)
    return page


def ocr_line(image: Image.Image) -> str:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    done = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "7", "-l", "eng"], input=buf.getvalue(),
                          capture_output=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"}, check=True)
    return done.stdout.decode("utf-8", "replace").strip()


def fold(text: str) -> str:
    return " ".join(text.lower().split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=40, help="how many values to draw")
    args = parser.parse_args()
    if missing("tesseract"):
        sys.exit("Tesseract is not installed.")
    folder = Path("/tmp") / "bench-handwriting"
    config = example_config(folder)
    texts: list[str] = []
    for seed in range(1, 20):
        for values in sample_values(config, seed).values():
            texts += [v for v in values.values() if isinstance(v, str) and 2 <= len(v) <= 45]
    rng = random.Random(1)
    texts = rng.sample(sorted(set(texts)), min(args.values, len(set(texts))))
    ways = [(name, path, False) for name, path in FONTS.items()]
    ways.append(("script, letters moved as by hand", FONTS["script (Z003)"], True))
    print(f"{'how it is written':<34} {'values':>6} {'read exactly':>12} {'characters right':>16}")
    for name, path, jitter in ways:
        exact = 0
        ratio = 0.0
        for text in texts:
            got = ocr_line(draw(text, path, jitter, rng))
            exact += fold(got) == fold(text)
            ratio += difflib.SequenceMatcher(None, fold(got), fold(text)).ratio()
        print(f"{name:<34} {len(texts):>6} {100 * exact / len(texts):>11.0f}% {100 * ratio / len(texts):>15.0f}%")
    if missing("soffice", "pdftoppm") is None:
        whole_forms(folder)


def whole_forms(folder: Path) -> None:
    """The filled forms with their content controls' values in the script, scanned and read."""
    config = example_config(folder)
    values = sample_values(config, 5)
    files = []
    for form_id, vals in values.items():
        path = folder / f"{form_id}-script.docx"
        path.write_bytes(in_script_font(fill_docx(template_docx(spec_of(form_id), config), vals)))
        files.append((form_id, path))
    for (form_id, _), pdf in zip(files, soffice_convert(folder, [p for _, p in files]), strict=True):
        data = scanned(folder, pdf.read_bytes(), f"{form_id}-script", dpi=300, angle=1.0, noise=0.005)
        try:
            form = read_document(data, "scan.pdf")
        except Exception as exc:  # noqa: BLE001 - a refusal is a figure too
            print(f"{form_id} in the script, scanned at 300 dpi: refused ({exc})")
            continue
        expected = values[form_id]
        wrong = [w for w in compare(spec_of(form_id), expected, form.fields) if w.split(":")[0] in expected]
        unsure = sum(1 for c in form.confidence.values() if c < 80)
        print(f"{form_id} in the script, scanned at 300 dpi: {len(expected) - len(wrong)} of {len(expected)} fields"
              f" right, {unsure} values flagged uncertain")


if __name__ == "__main__":
    main()
