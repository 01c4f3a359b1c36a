"""Where a kitchen camera's frames come from: video files, image folders and live streams (OpenCV).

Every source yields :class:`Frame` s sampled at ``sample_fps``: by media time for files and
folders (so a recording gives the same frames however fast it is read) and by wall time for
streams. A frame's ``sha256`` is the SHA-256 of its decoded pixels, BGR, row-major, height x
width x 3 bytes: the same for the same picture whatever container or codec carried it.

A file that is missing or a frame that cannot be decoded ends the run with a :class:`SourceError`
naming it. A live stream that cannot be opened, stalls or ends is reopened with exponential
backoff, each loss reported through ``on_event`` (or the log); it never raises out of the loop,
and a set ``stop`` event ends it within one read timeout.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import numpy as np
from numpy.typing import NDArray

from .offline import VisionError

if TYPE_CHECKING:
    import cv2

#: A decoded picture, BGR, height x width x 3, as OpenCV gives it.
Image = NDArray[np.uint8]

log = logging.getLogger("suyuan.ingest.camera")

STREAM_SCHEMES = frozenset({"rtsp", "rtsps", "rtmp", "http", "https"})
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})


class CameraError(VisionError):
    """The kitchen-camera pipeline cannot go on as asked."""


class SourceError(CameraError):
    """A source cannot be opened or one of its frames cannot be decoded."""


class Frame(NamedTuple):
    #: Seconds: media time from the start for files and folders, Unix time for streams.
    time: float
    image: Image
    #: SHA-256 of the picture's raw pixels (see the module docstring).
    sha256: str
    #: Where in the source it is: ``frame 120`` or an image's file name.
    position: str


@dataclass(frozen=True)
class SourceEvent:
    """A live stream opened, or was lost and will be tried again after ``retry_in`` seconds."""

    kind: Literal["opened", "lost", "gave_up"]
    uri: str
    detail: str
    #: Failed attempts in a row (0 once frames flow).
    failures: int = 0
    retry_in: float | None = None


@dataclass(frozen=True)
class Backoff:
    """Delays between attempts to reopen a stream: ``initial``, doubled each time, at most ``maximum``."""

    initial: float = 1.0
    maximum: float = 30.0
    factor: float = 2.0

    def delay(self, failures: int) -> float:
        """The wait after the ``failures``-th failure in a row (counting from 1)."""
        return float(min(self.maximum, self.initial * self.factor ** max(0, failures - 1)))


def frame_sha256(image: Image) -> str:
    return hashlib.sha256(np.ascontiguousarray(image).data).hexdigest()


def _frame(t: float, decoded: object, position: str) -> Frame:
    image = np.asarray(decoded, dtype=np.uint8)  # no copy: OpenCV decodes to 8-bit BGR
    return Frame(t, image, frame_sha256(image), position)


class FrameSource(ABC):
    """Frames of one camera, sampled at ``sample_fps``."""

    #: Whether frame times are wall-clock (Unix) times rather than media times.
    live: bool = False

    def __init__(self, uri: str, sample_fps: float) -> None:
        if not sample_fps > 0:
            raise ValueError(f"sample_fps must be positive, not {sample_fps}")
        self.uri, self.sample_fps = uri, sample_fps

    @abstractmethod
    def frames(self, stop: threading.Event | None = None) -> Iterator[Frame]:
        """The sampled frames until the source ends or ``stop`` is set."""


class _Sampler:
    """Lets through the first frame at or after each multiple of 1/fps."""

    def __init__(self, fps: float, start: float = 0.0) -> None:
        self.period, self.due = 1.0 / fps, start

    def take(self, t: float) -> bool:
        if t + 1e-9 < self.due:
            return False
        self.due += self.period
        if self.due <= t:  # fell behind (a slow reader or a gap in the media): restart from now
            self.due = t + self.period
        return True


class VideoFileSource(FrameSource):
    def __init__(self, path: Path, sample_fps: float) -> None:
        super().__init__(str(path), sample_fps)
        self.path = path

    def frames(self, stop: threading.Event | None = None) -> Iterator[Frame]:
        import cv2

        capture = cv2.VideoCapture(str(self.path))
        if not capture.isOpened():
            raise SourceError(f"{self.path}: not a video OpenCV can decode")
        try:
            yield from self._read(capture, stop)
        finally:
            capture.release()

    def _read(self, capture: cv2.VideoCapture, stop: threading.Event | None) -> Iterator[Frame]:
        import cv2

        fps = capture.get(cv2.CAP_PROP_FPS)
        expected = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        sampler, index = _Sampler(self.sample_fps), -1
        while stop is None or not stop.is_set():
            if not capture.grab():
                break
            index += 1
            t = index / fps if fps > 0 else capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
            if not sampler.take(t):
                continue
            ok, image = capture.retrieve()
            if not ok or image is None:
                raise SourceError(f"{self.path}: frame {index} cannot be decoded")
            yield _frame(t, image, f"frame {index}")
        if index < 0:
            raise SourceError(f"{self.path}: no frame could be decoded")
        if expected > 0 and index + 1 < expected and (stop is None or not stop.is_set()):
            log.warning(
                "%s: decoding stopped at frame %d of %d (truncated file?)", self.path, index, expected
            )


class ImageFolderSource(FrameSource):
    """The images of a folder in name order, ``folder_fps`` of them per second of media time."""

    def __init__(self, folder: Path, sample_fps: float, folder_fps: float | None = None) -> None:
        super().__init__(str(folder), sample_fps)
        self.folder, self.folder_fps = folder, folder_fps or sample_fps
        self.images = sorted(
            p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
        )
        if not self.images:
            suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
            raise SourceError(f"{folder}: no images ({suffixes}) in the folder")

    def frames(self, stop: threading.Event | None = None) -> Iterator[Frame]:
        import cv2

        sampler = _Sampler(self.sample_fps)
        for index, path in enumerate(self.images):
            if stop is not None and stop.is_set():
                return
            t = index / self.folder_fps
            if not sampler.take(t):
                continue
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise SourceError(f"{path}: not a readable image")
            yield _frame(t, image, path.name)


class StreamSource(FrameSource):
    """An RTSP, RTMP or HTTP(S) stream, reopened with backoff whenever it fails, until stopped."""

    live = True

    def __init__(
        self,
        url: str,
        sample_fps: float,
        *,
        backoff: Backoff | None = None,
        on_event: Callable[[SourceEvent], None] | None = None,
        timeout_s: float = 10.0,
        max_failures: int | None = None,
    ) -> None:
        super().__init__(url, sample_fps)
        self.backoff, self.on_event = backoff or Backoff(), on_event
        self.timeout_s, self.max_failures = timeout_s, max_failures
        self.shown = redact(url)

    def frames(self, stop: threading.Event | None = None) -> Iterator[Frame]:
        stop = stop or threading.Event()
        failures = 0
        while not stop.is_set():
            capture = self._open()
            if capture is None:
                detail = "cannot be opened"
            else:
                self._report(SourceEvent("opened", self.shown, "frames flowing", failures))
                try:
                    for frame in self._read(capture, stop):
                        failures = 0
                        yield frame
                finally:
                    capture.release()
                detail = "ended or stalled"
            if stop.is_set():
                return
            failures += 1
            if self.max_failures is not None and failures >= self.max_failures:
                self._report(SourceEvent("gave_up", self.shown, f"{detail}; giving up", failures))
                return
            delay = self.backoff.delay(failures)
            self._report(SourceEvent("lost", self.shown, detail, failures, delay))
            stop.wait(delay)

    def _open(self) -> cv2.VideoCapture | None:
        import cv2

        timeout_ms = int(self.timeout_s * 1000)
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
        try:
            capture = cv2.VideoCapture(self.uri, cv2.CAP_FFMPEG, params)
        except cv2.error as exc:  # a malformed URL can raise rather than fail to open
            log.debug("%s: %s", self.shown, exc)
            return None
        if capture.isOpened():
            return capture
        capture.release()
        return None

    def _read(self, capture: cv2.VideoCapture, stop: threading.Event) -> Iterator[Frame]:
        sampler, index = _Sampler(self.sample_fps, time.monotonic()), -1
        while not stop.is_set() and capture.grab():
            index += 1
            if not sampler.take(time.monotonic()):
                continue
            ok, image = capture.retrieve()
            if not ok or image is None:
                log.warning("%s: frame %d cannot be decoded; skipped", self.shown, index)
                continue
            yield _frame(time.time(), image, f"frame {index}")

    def _report(self, event: SourceEvent) -> None:
        """To ``on_event`` when there is one, to the log otherwise."""
        if self.on_event is not None:
            self.on_event(event)
        elif event.kind == "opened":
            log.info("%s: %s", event.uri, event.detail)
        else:
            retry = f"; retrying in {event.retry_in:g} s" if event.retry_in is not None else ""
            log.warning(
                "%s: stream %s (failure %d in a row)%s", event.uri, event.detail, event.failures, retry
            )


def redact(uri: str) -> str:
    """The URI without its password, for logs and reports."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def open_source(
    uri: str,
    sample_fps: float = 5.0,
    *,
    on_event: Callable[[SourceEvent], None] | None = None,
    backoff: Backoff | None = None,
    folder_fps: float | None = None,
) -> FrameSource:
    """The source ``uri`` names: an ``rtsp://``, ``rtmp://`` or ``http(s)://`` stream, a video file or
    an image folder (a path or a ``file://`` URI). A missing file or folder raises :class:`SourceError`.
    """
    scheme = urlsplit(uri).scheme.lower()
    if scheme in STREAM_SCHEMES:
        return StreamSource(uri, sample_fps, backoff=backoff, on_event=on_event)
    path = Path(uri.removeprefix("file://")) if scheme == "file" else Path(uri)
    if path.is_dir():
        return ImageFolderSource(path, sample_fps, folder_fps)
    if path.is_file():
        return VideoFileSource(path, sample_fps)
    if len(scheme) > 1 and not path.exists():
        supported = ", ".join(sorted(STREAM_SCHEMES))
        raise SourceError(f"{uri}: unsupported scheme {scheme!r} (streams: {supported}; or a path)")
    raise SourceError(f"{uri}: no such file or folder")
