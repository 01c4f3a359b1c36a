"""QR symbols (ISO/IEC 18004, error correction M) of item codes, and printable A4 label sheets.

Pure functions of their inputs: no database, no settings. A sheet whose text is all Latin-1 is
set in the PDF core font Helvetica (no font file needed); a sheet with Chinese (or any other
text beyond Latin-1) is set in WenQuanYi Micro Hei, embedded as a subset, from Debian's
``fonts-wqy-microhei`` package. Without that file such a sheet is refused with
:class:`LabelFontMissing`: text is never silently dropped from a label.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import segno
from fpdf import FPDF

from ..errors import Unavailable

#: Error correction M (15 %) as GS1 recommends for Digital Link QR codes; never boosted, so
#: the level printed is the level promised.
QR_ERROR = "m"
QR_BORDER = 4  # the quiet zone ISO/IEC 18004 requires, in modules

#: WenQuanYi Micro Hei (Apache-2.0, or GPLv3 with the font exception): Chinese, Latin and more.
CJK_FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CJK_FONT_PACKAGE = "fonts-wqy-microhei"
CJK_FONT = "wqy-microhei"
CORE_FONT = "Helvetica"
#: The font has no bold face: the first line is drawn filled and outlined, this wide (mm).
FAUX_BOLD_STROKE = 0.12


class LabelFontMissing(Unavailable):
    slug, title = "label-font-missing", "The label font is not installed"


class Label(NamedTuple):
    """One label: the URI its QR symbol encodes, and its text lines (the first one in bold)."""

    uri: str
    lines: Sequence[str]


@dataclass(frozen=True)
class SheetLayout:
    """A grid of labels on a page, in millimetres."""

    page_width: float = 210.0  # A4
    page_height: float = 297.0
    columns: int = 3
    rows: int = 8
    margin_x: float = 6.0
    margin_y: float = 8.5
    padding: float = 2.0
    qr_size: float = 28.0  # including the quiet zone
    font_size: float = 7.0
    min_font_size: float = 5.0
    line_height: float = 3.4
    outline: bool = True  # thin grey cut lines around each label

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def label_width(self) -> float:
        return (self.page_width - 2 * self.margin_x) / self.columns

    @property
    def label_height(self) -> float:
        return (self.page_height - 2 * self.margin_y) / self.rows

    def origin(self, slot: int) -> tuple[float, float]:
        """Top-left corner of label ``slot`` (0 ≤ slot < per_page), filled row by row."""
        row, column = divmod(slot, self.columns)
        return self.margin_x + column * self.label_width, self.margin_y + row * self.label_height


A4_3X8 = SheetLayout()
LABELS_PER_PAGE = A4_3X8.per_page


def qr_symbol(uri: str) -> segno.QRCode:
    return segno.make_qr(uri, error=QR_ERROR, boost_error=False)


def qr_png(uri: str, scale: int = 10) -> bytes:
    """A PNG of the QR symbol: ``scale`` pixels per module, quiet zone included."""
    buffer = io.BytesIO()
    qr_symbol(uri).save(buffer, kind="png", scale=scale, border=QR_BORDER)
    return buffer.getvalue()


def qr_svg(uri: str, scale: int = 10) -> bytes:
    """An SVG of the QR symbol (``scale`` user units per module), titled with the URI."""
    buffer = io.BytesIO()
    qr_symbol(uri).save(buffer, kind="svg", scale=scale, border=QR_BORDER, title=uri, xmldecl=True)
    return buffer.getvalue()


def pages_needed(count: int, layout: SheetLayout = A4_3X8) -> int:
    return math.ceil(count / layout.per_page)


def label_text(text: str) -> str:
    """``text`` as printed: NFKC (full-width forms such as ``（１）`` become ``(1)``), without
    control characters, runs of white space collapsed."""
    normal = unicodedata.normalize("NFKC", text)
    kept = "".join(ch if ch.isprintable() else " " for ch in normal)
    return re.sub(r"\s+", " ", kept).strip()


def needs_cjk_font(texts: Sequence[str]) -> bool:
    """Whether any text goes beyond Latin-1, which is all the core fonts print."""
    return any(ord(ch) > 0xFF for text in texts for ch in text)


def render_label_sheet(
    labels: Sequence[Label],
    layout: SheetLayout = A4_3X8,
    title: str = "",
    progress: Callable[[int, int], None] | None = None,
    cjk_font_file: Path = CJK_FONT_FILE,
) -> bytes:
    """A PDF of ``labels`` in a grid, ``layout.per_page`` to a page; ``progress(done, total)`` is
    called after each page. Requires at least one label; :class:`LabelFontMissing` when the
    text needs ``cjk_font_file`` and it is not there."""
    if not labels:
        raise ValueError("a label sheet needs at least one label")
    pdf = FPDF(orientation="P", unit="mm", format=(layout.page_width, layout.page_height))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0)
    pdf.set_creator("Suyuan")
    texts = [label_text(line) for label in labels for line in label.lines]
    font = CORE_FONT
    if needs_cjk_font(texts):
        font = _add_cjk_font(pdf, cjk_font_file)
    if title:
        pdf.set_title(label_text(title))
    for index, label in enumerate(labels):
        slot = index % layout.per_page
        if slot == 0:
            pdf.add_page()
        _draw_label(pdf, layout, *layout.origin(slot), label, font)
        if progress is not None and (slot == layout.per_page - 1 or index == len(labels) - 1):
            progress(index + 1, len(labels))
    return bytes(pdf.output())


def _add_cjk_font(pdf: FPDF, path: Path) -> str:
    if not path.is_file():
        raise LabelFontMissing(
            f"label text beyond Latin-1 needs the font {path}: install Debian's {CJK_FONT_PACKAGE}"
            f" (apt-get install {CJK_FONT_PACKAGE})"
        )
    pdf.add_font(CJK_FONT, "", path, collection_font_number=0)
    return CJK_FONT


def _draw_label(pdf: FPDF, layout: SheetLayout, x: float, y: float, label: Label, font: str) -> None:
    if layout.outline:
        pdf.set_draw_color(200)
        pdf.set_line_width(0.1)
        pdf.rect(x, y, layout.label_width, layout.label_height)
    qr_top = y + (layout.label_height - layout.qr_size) / 2
    _draw_qr(pdf, label.uri, x + layout.padding, qr_top, layout.qr_size)
    _draw_text(pdf, layout, x, y, label.lines, font)


def _draw_text(pdf: FPDF, layout: SheetLayout, x: float, y: float, lines: Sequence[str], font: str) -> None:
    """The non-empty lines right of the symbol, centred vertically; the first line bold."""
    left = x + layout.padding * 1.5 + layout.qr_size
    width = x + layout.label_width - layout.padding - left
    styled = [(number == 0, label_text(line)) for number, line in enumerate(lines)]
    printable = [(bold, text) for bold, text in styled if text]
    baseline = y + (layout.label_height - len(printable) * layout.line_height) / 2 + layout.line_height * 0.75
    for row, (bold, text) in enumerate(printable):
        at = baseline + row * layout.line_height
        if font == CORE_FONT:
            pdf.set_font(font, "B" if bold else "", layout.font_size)
            pdf.text(left, at, _fit_text(pdf, text, width, layout.min_font_size))
            continue
        pdf.set_font(font, "", layout.font_size)
        fitted = _fit_text(pdf, text, width, layout.min_font_size)
        if bold:
            with pdf.local_context(text_mode="FILL_STROKE", line_width=FAUX_BOLD_STROKE, draw_color=0):
                pdf.text(left, at, fitted)
        else:
            pdf.text(left, at, fitted)


def _fit_text(pdf: FPDF, text: str, width: float, min_size: float) -> str:
    """Shrinks the font (not below ``min_size``) until ``text`` fits ``width``, then truncates it."""
    size = pdf.font_size_pt
    while size > min_size and pdf.get_string_width(text) > width:
        size = max(min_size, size - 0.5)
        pdf.set_font_size(size)
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "...") > width:
        text = text[:-1]
    return text + "..."


def _draw_qr(pdf: FPDF, uri: str, x: float, y: float, size: float) -> None:
    """Places the symbol as a one-pixel-per-module image: PDF viewers and printers scale images
    without interpolation by default, so the modules print sharp, and one image is far cheaper
    to write than hundreds of rectangles."""
    pdf.image(io.BytesIO(qr_png(uri, scale=1)), x=x, y=y, w=size, h=size)
