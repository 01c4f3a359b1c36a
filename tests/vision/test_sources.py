"""Camera sources: files and folders sampled by media time, clear errors, streams that reconnect."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")

from ingest.vision.sources import (  # noqa: E402  (after the skip: needs the vision extra)
    Backoff,
    ImageFolderSource,
    SourceError,
    SourceEvent,
    StreamSource,
    VideoFileSource,
    open_source,
    redact,
)

BROKEN_STREAM = "rtsp://127.0.0.1:9/none"  # the discard port: nothing listens, the connection is refused


def picture(i: int, size: tuple[int, int] = (90, 160)) -> np.ndarray:
    """A frame whose pixels say which it is (survives lossy coding well enough to tell apart)."""
    image = np.zeros((*size, 3), np.uint8)
    image[:, :, 1] = (20 * i) % 256
    return image


def write_video(path: Path, frames: int, fps: int = 10) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (160, 90))
    for i in range(frames):
        writer.write(picture(i))
    writer.release()
    return path


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"nowhere\.mp4: no such file or folder"):
        open_source(str(tmp_path / "nowhere.mp4"))


def test_unsupported_scheme_is_a_clear_error() -> None:
    with pytest.raises(SourceError, match="unsupported scheme 'ftp'"):
        open_source("ftp://camera.local/stream")


def test_video_file_is_sampled_by_media_time(tmp_path: Path) -> None:
    source = open_source(str(write_video(tmp_path / "clip.mp4", frames=30, fps=10)), sample_fps=2)
    assert isinstance(source, VideoFileSource)
    frames = list(source.frames())
    assert [f.time for f in frames] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert [f.position for f in frames] == [
        "frame 0",
        "frame 5",
        "frame 10",
        "frame 15",
        "frame 20",
        "frame 25",
    ]
    for frame in frames:
        assert frame.image.shape == (90, 160, 3)
        assert frame.sha256 == hashlib.sha256(np.ascontiguousarray(frame.image).tobytes()).hexdigest()


def test_video_file_stops_when_asked(tmp_path: Path) -> None:
    source = open_source(str(write_video(tmp_path / "clip.mp4", frames=30)), sample_fps=10)
    stop = threading.Event()
    taken = []
    for frame in source.frames(stop):
        taken.append(frame)
        stop.set()
    assert len(taken) == 1


def test_file_that_is_not_a_video_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "clip.mp4"
    fake.write_bytes(b"this is not a video" * 100)
    with pytest.raises(SourceError, match=r"clip\.mp4: not a video OpenCV can decode"):
        list(open_source(str(fake)).frames())


def test_image_folder_in_name_order_sampled(tmp_path: Path) -> None:
    for i in range(6):
        cv2.imwrite(str(tmp_path / f"img-{i:02d}.png"), picture(i))
    (tmp_path / "notes.txt").write_text("not an image, not a frame")
    source = open_source(f"file://{tmp_path}", sample_fps=5, folder_fps=10)
    assert isinstance(source, ImageFolderSource)
    frames = list(source.frames())
    assert [f.position for f in frames] == ["img-00.png", "img-02.png", "img-04.png"]
    assert [f.time for f in frames] == [0.0, 0.2, 0.4]
    assert [int(f.image[0, 0, 1]) for f in frames] == [0, 40, 80]  # PNG is lossless


def test_unreadable_image_in_a_folder_names_the_file(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "a.jpg"), picture(1))
    (tmp_path / "b.jpg").write_bytes(b"\xff\xd8\xff garbage, truncated")
    frames = open_source(str(tmp_path), sample_fps=1).frames()
    assert next(frames).position == "a.jpg"
    with pytest.raises(SourceError, match=r"b\.jpg: not a readable image"):
        next(frames)


def test_folder_without_images_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no images"):
        open_source(str(tmp_path))


def test_broken_stream_reconnects_with_backoff_and_never_raises() -> None:
    events: list[SourceEvent] = []
    stop = threading.Event()

    def on_event(event: SourceEvent) -> None:
        events.append(event)
        if len(events) == 5:
            stop.set()

    source = StreamSource(BROKEN_STREAM, 5, backoff=Backoff(0.01, 0.04), on_event=on_event, timeout_s=2)
    assert list(source.frames(stop)) == []
    assert [(e.kind, e.failures, e.retry_in) for e in events] == [
        ("lost", 1, 0.01),
        ("lost", 2, 0.02),
        ("lost", 3, 0.04),
        ("lost", 4, 0.04),
        ("lost", 5, 0.04),
    ]
    assert all(e.uri == BROKEN_STREAM and e.detail == "cannot be opened" for e in events)


def test_broken_stream_can_give_up_after_a_number_of_failures() -> None:
    events: list[SourceEvent] = []
    source = open_source("http://127.0.0.1:9/cam.mjpg", backoff=Backoff(0.01, 0.01), on_event=events.append)
    assert isinstance(source, StreamSource)
    source.max_failures = 3
    assert list(source.frames()) == []
    assert [e.kind for e in events] == ["lost", "lost", "gave_up"]


@pytest.fixture
def mjpeg_camera() -> Iterator[str]:
    """An IP camera serving a few MJPEG frames per connection, then hanging up."""
    jpegs = [bytes(cv2.imencode(".jpg", picture(i))[1].tobytes()) for i in range(5)]

    class Camera(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.end_headers()
            for jpeg in jpegs:
                head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
                self.wfile.write(head.encode() + jpeg + b"\r\n")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Camera)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/video.mjpg"
    server.shutdown()
    thread.join(10)


def test_stream_that_ends_is_reported_and_reopened(mjpeg_camera: str) -> None:
    events: list[SourceEvent] = []
    stop = threading.Event()

    def on_event(event: SourceEvent) -> None:
        events.append(event)
        if sum(e.kind == "opened" for e in events) == 3:
            stop.set()

    source = StreamSource(mjpeg_camera, 1000, backoff=Backoff(0.01, 0.01), on_event=on_event, timeout_s=5)
    frames = list(source.frames(stop))
    assert [e.kind for e in events] == ["opened", "lost", "opened", "lost", "opened"]
    assert [e.detail for e in events if e.kind == "lost"] == ["ended or stalled"] * 2
    assert [e.failures for e in events if e.kind == "lost"] == [1, 1]  # frames flowed in between
    assert len(frames) >= 2
    assert all(f.image.shape == (90, 160, 3) for f in frames)


def test_stream_passwords_are_not_reported() -> None:
    assert redact("rtsp://admin:secret@10.0.0.5:554/h264") == "rtsp://admin:***@10.0.0.5:554/h264"
    assert redact("rtsp://10.0.0.5/h264") == "rtsp://10.0.0.5/h264"
