"""``suyuan bench vision`` measures both detector paths and the whole pipeline in one run."""

from __future__ import annotations

from suyuan.bench.vision import run_vision_bench


def test_bench_vision_reports_onnx_and_pytorch_rates_and_camera_capacity() -> None:
    result = run_vision_bench(frames=20)

    assert result["imgsz"] == [192, 320]
    assert result["fps_per_camera"]["onnx"] > 0
    assert result["fps_per_camera"]["pytorch"] > 0
    assert result["incidents_recorded"] == 5 * result["pipeline_cameras"]  # one per violation scene
    assert result["cameras_at_5fps"] == int(result["pipeline_frames_per_s"] // 5)
