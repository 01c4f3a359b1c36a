"""Codes read from photos: QR codes with Digital Links, GS1 DataMatrix, photos without a code."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import segno
import zxingcpp
from PIL import Image

from scanners import UnreadableImage, picture_files, read_codes, read_scanned

LINK = "https://trace.example.cn/01/09506000134352/10/L2026-001/21/ABC123"
ELEMENTS = "(01)09506000134352(10)L2026-001(21)DEF456"


def qr_photo(path: Path, text: str) -> Path:
    segno.make(text, error="m").save(str(path), kind="png", scale=6)
    return path


def datamatrix_photo(path: Path, elements: str) -> Path:
    symbol = zxingcpp.create_barcode(elements, zxingcpp.BarcodeFormat.DataMatrix, gs1=True)
    Image.fromarray(zxingcpp.write_barcode_to_image(symbol, scale=6)).save(path)
    return path


def test_qr_code_photo_gives_its_digital_link(tmp_path: Path) -> None:
    assert read_codes(qr_photo(tmp_path / "label.png", LINK)) == [LINK]


def test_gs1_datamatrix_photo_gives_its_element_string(tmp_path: Path) -> None:
    (text,) = read_codes(datamatrix_photo(tmp_path / "carton.png", ELEMENTS))

    assert read_scanned(text).code == "https://id.gs1.org/01/09506000134352/10/L2026-001/21/DEF456"


def test_photo_of_two_labels_gives_both(tmp_path: Path) -> None:
    first = Image.open(qr_photo(tmp_path / "a.png", LINK))
    second = Image.open(datamatrix_photo(tmp_path / "b.png", ELEMENTS))
    both = Image.new("L", (first.width + second.width + 60, max(first.height, second.height)), 255)
    both.paste(first, (0, 0))
    both.paste(second, (first.width + 60, 0))
    both.save(tmp_path / "both.jpg", quality=95)

    assert sorted(read_codes(tmp_path / "both.jpg")) == sorted([LINK, ELEMENTS])


def test_photo_without_a_code_is_named(tmp_path: Path) -> None:
    Image.new("RGB", (200, 120), (200, 30, 30)).save(tmp_path / "blurred.jpg")

    with pytest.raises(UnreadableImage, match=r"^blurred\.jpg: no code could be read in this picture$"):
        read_codes(tmp_path / "blurred.jpg")


def test_file_that_is_not_a_picture_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("not a picture")

    with pytest.raises(UnreadableImage, match=r"^notes\.png: not a picture"):
        read_codes(tmp_path / "notes.png")


def test_file_that_is_not_a_picture_is_named_where_ultralytics_replaced_image_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process that also runs the kitchen cameras has Ultralytics' Image.open, which meets a file
    # Pillow cannot read by importing an optional HEIF plugin (missing here: ModuleNotFoundError).
    from ultralytics.utils import checks, patches

    monkeypatch.setattr(Image, "open", patches.image_open)
    monkeypatch.setattr(patches, "_pil_plugins_registered", False)
    monkeypatch.setattr(checks, "AUTOINSTALL", False)  # never pip-installs the plugin here
    monkeypatch.setitem(sys.modules, "pi_heif", None)  # as on a machine without the plugin
    (tmp_path / "notes.png").write_text("not a picture")

    with pytest.raises(UnreadableImage, match=r"^notes\.png: not a picture"):
        read_codes(tmp_path / "notes.png")


def test_folder_gives_its_pictures_by_name(tmp_path: Path) -> None:
    qr_photo(tmp_path / "b.png", LINK)
    (tmp_path / "sub").mkdir()
    qr_photo(tmp_path / "sub" / "a.PNG", LINK)
    (tmp_path / "readme.txt").write_text("labels")

    assert picture_files(tmp_path) == [tmp_path / "b.png", tmp_path / "sub" / "a.PNG"]
    with pytest.raises(UnreadableImage, match="no such file or folder"):
        picture_files(tmp_path / "missing")
