"""The map's base: a frame fitted to the sites, its graticule and scale bar, crowded markers set apart."""

from __future__ import annotations

import math

import pytest

from regulator_console.pages.map_base import (
    CROWDED,
    METRES_PER_DEGREE,
    MIN_SPAN_M,
    fit_frame,
    graticule,
    place_labels,
    scale_bar,
    spread,
    text_width,
)

SHANGHAI = [(30.6267, 122.0647), (31.2304, 121.4737), (31.2497, 121.3235), (31.1942, 121.4372)]


def test_frame_fits_every_site_inside_its_margins_north_up_east_right() -> None:
    frame = fit_frame(SHANGHAI, 1000, 640, margin=56)

    points = [frame.project(lat, lon) for lat, lon in SHANGHAI]
    assert all(56 - 1e-6 <= x <= 944 + 1e-6 and 56 - 1e-6 <= y <= 584 + 1e-6 for x, y in points)
    xs, ys = [x for x, _ in points], [y for _, y in points]
    assert max(xs) - min(xs) == pytest.approx(888) or max(ys) - min(ys) == pytest.approx(528)
    yangshan, huangpu, jiangqiao, _ = points
    assert yangshan[0] > huangpu[0] > jiangqiao[0]
    assert yangshan[1] > huangpu[1] > jiangqiao[1]


def test_frame_keeps_distances_true_east_west_and_north_south() -> None:
    frame = fit_frame(SHANGHAI)
    # 0.1° of longitude at 31° N is about 9.5 km; 0.1° of latitude about 11.1 km.
    x0, y0 = frame.project(31.0, 121.5)
    x1, _ = frame.project(31.0, 121.6)
    _, y1 = frame.project(31.1, 121.5)
    east_m = (x1 - x0) * frame.metres_per_unit
    north_m = (y0 - y1) * frame.metres_per_unit
    assert east_m == pytest.approx(0.1 * METRES_PER_DEGREE * math.cos(math.radians(31.0)), rel=0.01)
    assert north_m == pytest.approx(0.1 * METRES_PER_DEGREE, rel=1e-9)


def test_one_site_gets_a_frame_of_the_least_span_centred_on_it() -> None:
    frame = fit_frame([(31.2, 121.5)], 1000, 640, margin=56)

    assert frame.project(31.2, 121.5) == pytest.approx((500, 320))
    assert (640 - 2 * 56) * frame.metres_per_unit == pytest.approx(MIN_SPAN_M)
    with pytest.raises(ValueError, match="at least one point"):
        fit_frame([])


def test_graticule_draws_round_degrees_inside_the_frame() -> None:
    frame = fit_frame(SHANGHAI)
    lines = graticule(frame)

    assert lines.step == 0.2
    assert lines.decimals == 1
    assert [lon for _, lon in lines.meridians] == [121.2, 121.4, 121.6, 121.8, 122.0, 122.2]
    assert all(0 <= x <= frame.width for x, _ in lines.meridians)
    assert all(0 <= y <= frame.height for y, _ in lines.parallels)
    assert graticule(fit_frame([(31.2, 121.5)])).step == 0.005


def test_scale_bar_is_a_round_distance_of_its_drawn_length() -> None:
    frame = fit_frame(SHANGHAI)
    bar = scale_bar(frame)

    assert (bar.metres, bar.kilometres, bar.amount) == (20_000, True, 20)
    assert bar.length * frame.metres_per_unit == pytest.approx(20_000)
    assert bar.length <= frame.width / 4
    small = scale_bar(fit_frame([(31.2, 121.5)]))
    assert (small.metres, small.kilometres) == (500, False)


def test_crowded_markers_are_set_apart_and_lonely_ones_stay() -> None:
    points = [(100.0, 100.0), (100.0, 100.0), (104.0, 101.0), (300.0, 300.0)]

    placed = spread(points)

    assert placed[3] == (300.0, 300.0)
    crowd = placed[:3]
    assert min(math.dist(a, b) for i, a in enumerate(crowd) for b in crowd[i + 1 :]) >= CROWDED
    centre = (sum(x for x, _ in crowd) / 3, sum(y for _, y in crowd) / 3)
    assert centre == pytest.approx((304 / 3, 301 / 3), abs=1e-6)  # the crowd keeps its centre


def _label_box(x: float, y: float, anchor: str, width: float) -> tuple[float, float, float, float]:
    left = {"start": x, "end": x - width, "middle": x - width / 2}[anchor]
    return left, y - 16, left + width, y + 4


def test_labels_go_where_they_fit_and_never_overlap_markers_or_each_other() -> None:
    points = [(500.0, 300.0), (530.0, 300.0), (990.0, 100.0), (500.0, 330.0), (515.0, 315.0)]
    names = ["海鲜进口 Haixian", "Jiangqiao Wholesale", "Fresh Mart 浦东", "徐汇一小食堂", "x" * 80]
    widths = [text_width(n, 16) for n in names]

    labels = place_labels(points, widths, order=range(len(points)), bounds=(4, 4, 996, 608))

    by_point = {label.index: label for label in labels}
    assert by_point[0].anchor == "end"  # its right is the next marker's
    assert by_point[2].anchor == "end"  # at the frame's right edge
    assert 4 not in by_point  # no room anywhere for eighty letters among its neighbours
    boxes = [_label_box(lb.x, lb.y, lb.anchor, widths[lb.index]) for lb in labels]
    for i, a in enumerate(boxes):
        assert (a[0] >= 4, a[2] <= 996) == (True, True)
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
        for x, y in points:
            assert a[2] <= x - 13 or x + 13 <= a[0] or a[3] <= y - 13 or y + 13 <= a[1]
    assert text_width("海鲜", 16) == 32
    assert text_width("ab", 10) == 12
