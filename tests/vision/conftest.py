"""Kitchen-camera test fixtures: the trace API of the API tests, and Ultralytics configured offline.

Ultralytics reads its configuration folder once, when first imported, so the offline
configuration is made here, as the folder's tests are collected (before any test module's
``pytest.importorskip("ultralytics")`` imports it), with one data directory for the session.
"""

from __future__ import annotations

import atexit
import importlib.util
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.api.conftest import Api, api

__all__ = ["Api", "api", "vision_data_dir"]

_VISION_DATA_DIR = Path(tempfile.mkdtemp(prefix="suyuan-vision-tests-"))
atexit.register(shutil.rmtree, _VISION_DATA_DIR, ignore_errors=True)
if importlib.util.find_spec("ultralytics") is not None:
    from ingest.vision.offline import configure_offline

    configure_offline(_VISION_DATA_DIR)


@pytest.fixture(scope="session")
def vision_data_dir() -> Path:
    """The data directory Ultralytics is configured under (offline) for the whole session."""
    pytest.importorskip("ultralytics", reason="needs the vision extra")
    return _VISION_DATA_DIR
