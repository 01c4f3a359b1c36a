"""Codes read from photos (zxing-cpp): one picture, or a folder of them.

The symbols a traced food label carries are read: QR codes (GS1 Digital Link), GS1 DataMatrix,
GS1-128 and GS1 DataBar Expanded. Retail EAN/UPC bars are left out: they name a product, never
a lot or an item, and would otherwise stand beside the label's own code in many photos.
"""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

from ._errors import UnreadableImage

#: The files a folder's photos are taken from.
PICTURE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
#: The most pixels decoded (a 48-megapixel photo; beyond is not a photo of a label).
MAX_PIXELS = 50_000_000
_LABEL_SYMBOLS = zxingcpp.barcode_formats_from_str("QRCode,DataMatrix,Code128,DataBarExpanded")


def picture_files(path: Path) -> list[Path]:
    """``path`` itself, or the pictures in the folder ``path`` and its subfolders, by name."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PICTURE_SUFFIXES)
    if path.is_file():
        return [path]
    raise UnreadableImage(f"{path}: no such file or folder")


def read_codes(path: Path) -> list[str]:
    """The text of every label code in the picture, each once, in the order the decoder found them."""
    try:
        with Image.open(path) as photo:
            if photo.width * photo.height > MAX_PIXELS:
                raise UnreadableImage(f"{path.name}: too many pixels ({photo.width}×{photo.height})")
            upright = ImageOps.exif_transpose(photo).convert("L")
    # ImportError: in a process that has imported Ultralytics (the kitchen cameras), its
    # replacement of Image.open answers a file Pillow cannot read by importing an optional HEIF
    # plugin, which may be missing.
    except (UnidentifiedImageError, Image.DecompressionBombError, ImportError) as exc:
        raise UnreadableImage(f"{path.name}: not a picture (JPEG, PNG, WebP …)") from exc
    except (OSError, ValueError) as exc:
        raise UnreadableImage(f"{path.name}: cannot be read ({exc})") from exc
    texts = [code.text for code in zxingcpp.read_barcodes(upright, formats=_LABEL_SYMBOLS) if code.text]
    if not texts:
        raise UnreadableImage(f"{path.name}: no code could be read in this picture")
    return list(dict.fromkeys(texts))
