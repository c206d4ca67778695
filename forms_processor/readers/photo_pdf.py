"""Photos of a form's pages made into one image-only PDF, as a scanner writes one: each
picture a page, in the order given. Pure: pictures' bytes in, the PDF's bytes out.

A SENCO who photographs a paper form sends one photo a page; the photos are read together,
as one form (``intake.email_kinds.pictures_beside_forms``), by the scan reader
(``pdf.read_pdf`` → ``ocr.read_scanned_pdf``), and the PDF is the original the Host sees
and downloads.

- A JPEG is put in as it is (no second compression, so the PDF is about the size of the
  photos together) but for what the camera says of it (EXIF, XMP, IPTC), taken out: a
  phone's orientation becomes the page's ``/Rotate``, which a PDF viewer and the reader
  (``ocr._embedded_pages``) apply, and where the photo was taken (GPS) and by what phone is
  not kept. Any other picture (PNG,
  TIFF, a mirrored JPEG...) is decoded, turned upright and put in losslessly (Flate), each
  frame of a TIFF a page.
- Each page is sized so the reader gives its picture the resolution it gives the picture
  read alone: a scanner's own (TIFF, PNG) when believed, else guessed from an A4 page's width.
- The same pictures always make the same bytes (no dates), so a form sent twice is a duplicate.
"""

from __future__ import annotations

import io
import re
import warnings
import zlib
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# EXIF orientation → the page's /Rotate (clockwise) that shows the JPEG as EXIF says. The
# mirrored orientations (2, 4, 5, 7) are decoded and turned instead.
_ROTATE = {1: 0, 3: 180, 6: 90, 8: 270}
_EXIF_ORIENTATION = 0x0112


class NotAPicture(Exception):
    """A picture that can't be opened (damaged, or a kind Pillow does not read, such as HEIC)."""


@dataclass(frozen=True)
class Page:
    """One page of the PDF: its picture, as put in."""

    data: bytes  # the image's stream
    width: int  # pixels, as stored
    height: int
    colours: str  # /DeviceGray, /DeviceRGB
    filter: str  # /DCTDecode, /FlateDecode
    dpi: float
    rotate: int


def combined_name(names: list[str], pages: int) -> str:
    """The name of the PDF made of ``names``: "IMG_2041 to IMG_2043 (3 photos).pdf"."""
    stems = [n.rsplit(".", 1)[0][:40] or "photo" for n in (names[0], names[-1])]
    span = stems[0] if len(names) == 1 or stems[0] == stems[1] else f"{stems[0]} to {stems[1]}"
    return f"{span} ({pages} photos).pdf"


_COMBINED = re.compile(r"\((\d{1,3}) photos\)\.pdf$")


def photos_in(file_name: str) -> int | None:
    """How many photos a PDF named by :func:`combined_name` was made of (None for any other name)."""
    m = _COMBINED.search(file_name)
    return int(m.group(1)) if m else None


def picture_pages(data: bytes) -> list[Page]:
    """The pages of one picture (a TIFF may hold several). Raises NotAPicture."""
    from .ocr import MAX_PAGES  # the reader's modules are loaded only where pictures are

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img = Image.open(io.BytesIO(data))
            orientation = int(img.getexif().get(_EXIF_ORIENTATION, 1) or 1)
            if img.format == "JPEG" and img.mode in ("L", "RGB") and orientation in _ROTATE:
                return [_jpeg_page(data, img, _ROTATE[orientation])]
            pages = []
            for n in range(min(getattr(img, "n_frames", 1), MAX_PAGES)):
                img.seek(n)
                pages.append(_decoded_page(img))
            return pages
    except (UnidentifiedImageError, OSError, ValueError, EOFError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NotAPicture from exc


def _guessed_dpi(width: int, height: int) -> float:
    """What ``scan_image.load_grey`` guesses for an upright picture whose resolution is unknown."""
    from .scan_image import A4_WIDTH_IN

    return max(width, height * 0.707) / A4_WIDTH_IN


def _jpeg_page(data: bytes, img: Image.Image, rotate: int) -> Page:
    upright = (img.height, img.width) if rotate in (90, 270) else img.size
    colours = "/DeviceGray" if img.mode == "L" else "/DeviceRGB"
    return Page(without_exif(data), img.width, img.height, colours, "/DCTDecode", _guessed_dpi(*upright), rotate)


# The JPEG segments of what a camera says about a photo: APP1 (EXIF, and XMP, which may
# hold a place too) and APP13 (IPTC). The rest (JFIF, the colour profile, Adobe's colour
# transform, the tables) is what decoding needs.
_ABOUT_THE_PHOTO = (0xE1, 0xED)


def without_exif(jpeg: bytes) -> bytes:
    """The JPEG with its EXIF, XMP and IPTC segments left out, the rest byte for byte: the
    segments before the image data are walked by their lengths; anything unexpected leaves
    the JPEG as it was."""
    if jpeg[:2] != b"\xff\xd8":
        return jpeg
    out, at = [jpeg[:2]], 2
    while at + 4 <= len(jpeg) and jpeg[at] == 0xFF:
        marker, length = jpeg[at + 1], int.from_bytes(jpeg[at + 2:at + 4], "big")
        if marker == 0xDA or length < 2:  # the image data (or a broken length): the rest as it is
            break
        if marker not in _ABOUT_THE_PHOTO:
            out.append(jpeg[at:at + 2 + length])
        at += 2 + length
    else:
        return jpeg
    return b"".join(out) + jpeg[at:]


def _decoded_page(frame: Image.Image) -> Page:
    from .ocr import believed_dpi

    dpi = believed_dpi(frame)
    img = ImageOps.exif_transpose(frame) or frame
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        img = Image.new("RGB", rgba.size, "white")
        img.paste(rgba, mask=rgba.getchannel("A"))
    grey = img.mode in ("1", "L", "LA", "I", "I;16", "F")
    img = img.convert("L" if grey else "RGB")
    return Page(zlib.compress(img.tobytes(), 6), img.width, img.height, "/DeviceGray" if grey else "/DeviceRGB",
                 "/FlateDecode", dpi or _guessed_dpi(img.width, img.height), 0)


def combine(pictures: list[bytes]) -> bytes:
    """One PDF of the pictures' pages, in order. Raises NotAPicture when one can't be opened."""
    return pdf_of([page for data in pictures for page in picture_pages(data)])


def pdf_of(pages: list[Page]) -> bytes:
    """A plain PDF 1.4: the catalogue, the page tree, and for each page its picture and the one
    line of content that draws it over the whole page."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []

    def obj(body: bytes, stream: bytes | None = None) -> None:
        offsets.append(out.tell())
        out.write(f"{len(offsets)} 0 obj\n".encode() + body)
        if stream is not None:
            out.write(b"\nstream\n" + stream + b"\nendstream")
        out.write(b"\nendobj\n")

    kids = " ".join(f"{3 + 3 * n} 0 R" for n in range(len(pages)))
    obj(b"<< /Type /Catalog /Pages 2 0 R >>")
    obj(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for n, page in enumerate(pages):
        me = 3 + 3 * n
        w, h = round(page.width * 72 / page.dpi, 3), round(page.height * 72 / page.dpi, 3)
        obj(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w:g} {h:g}] /Rotate {page.rotate}"
            f" /Resources << /XObject << /Im0 {me + 1} 0 R >> >> /Contents {me + 2} 0 R >>".encode())
        obj(f"<< /Type /XObject /Subtype /Image /Width {page.width} /Height {page.height} /ColorSpace"
            f" {page.colours} /BitsPerComponent 8 /Filter {page.filter} /Length {len(page.data)} >>".encode(),
            page.data)
        draw = f"q {w:g} 0 0 {h:g} 0 0 cm /Im0 Do Q".encode()
        obj(f"<< /Length {len(draw)} >>".encode(), draw)
    xref = out.tell()
    out.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets))
    out.write(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()
