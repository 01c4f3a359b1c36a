"""The console reads QR photos with Pillow in the same process as the kitchen cameras, whose
Ultralytics replaces ``PIL.Image.open`` process-wide: what is not a picture is still refused
with its reason, never a server error."""

from __future__ import annotations

from pathlib import Path

import pytest

from regulator_console.pages.lots import UnreadablePhoto, read_code


def test_a_file_that_is_not_a_picture_is_refused_with_ultralytics_loaded(vision_data_dir: Path) -> None:
    import ultralytics  # noqa: F401  (replaces PIL.Image.open on import)
    from PIL import Image

    assert Image.open.__module__.startswith("ultralytics")  # the replacement this is about
    for data in (b"not a picture", b"\xff\xd8\xff" + bytes(64), b"\x89PNG\r\n\x1a\n" + bytes(32)):
        with pytest.raises(UnreadablePhoto, match="不是图片"):
            read_code(data)
