"""The map's base, drawn on the server: a projected frame fitted to the sites, a graticule and a scale.

No tiles, no outlines, nothing fetched: sites are placed by their WGS-84 coordinates alone. The
projection is equirectangular about the frame's central latitude (x = longitude × cos φ₀,
y = latitude), which over a city or a province keeps distances and bearings true to about one per
cent; the scale bar is measured on a sphere of the IUGG mean Earth radius.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

#: The IUGG mean Earth radius (metres), and the length of one degree of latitude on that sphere.
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180
#: The smallest extent a frame shows (metres), so that one site, or sites on one street, still
#: sit in a frame with a readable scale.
MIN_SPAN_M = 2_000.0
#: Graticule spacings to choose from (degrees): each a 1, 2 or 5 times a power of ten.
GRATICULE_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30)
#: Markers closer than this (frame units) are set apart on a small ring around their centre.
CROWDED = 28.0


@dataclass(frozen=True)
class Frame:
    """A ``width`` × ``height`` frame centred on (``lat0``, ``lon0``), ``scale`` units per degree of
    latitude; y grows southward, as in SVG."""

    width: float
    height: float
    lat0: float
    lon0: float
    scale: float

    @property
    def cos0(self) -> float:
        return math.cos(math.radians(self.lat0))

    def project(self, latitude: float, longitude: float) -> tuple[float, float]:
        """The point of (``latitude``, ``longitude``) in the frame."""
        x = self.width / 2 + (longitude - self.lon0) * self.cos0 * self.scale
        y = self.height / 2 - (latitude - self.lat0) * self.scale
        return x, y

    @property
    def west(self) -> float:
        return self.lon0 - self.width / 2 / (self.scale * self.cos0)

    @property
    def east(self) -> float:
        return self.lon0 + self.width / 2 / (self.scale * self.cos0)

    @property
    def south(self) -> float:
        return self.lat0 - self.height / 2 / self.scale

    @property
    def north(self) -> float:
        return self.lat0 + self.height / 2 / self.scale

    @property
    def metres_per_unit(self) -> float:
        return METRES_PER_DEGREE / self.scale


def fit_frame(
    points: Sequence[tuple[float, float]], width: float = 1000, height: float = 640, margin: float = 56
) -> Frame:
    """The frame showing every (latitude, longitude) of ``points`` at least ``margin`` units inside
    its edges, as large as it fits. Requires at least one point."""
    if not points:
        raise ValueError("a frame needs at least one point")
    lats = [lat for lat, _ in points]
    lons = [lon for _, lon in points]
    lat0 = (min(lats) + max(lats)) / 2
    lon0 = (min(lons) + max(lons)) / 2
    cos0 = math.cos(math.radians(lat0))
    least = MIN_SPAN_M / METRES_PER_DEGREE
    span_x = max((max(lons) - min(lons)) * cos0, least)
    span_y = max(max(lats) - min(lats), least)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    return Frame(width=width, height=height, lat0=lat0, lon0=lon0, scale=scale)


@dataclass(frozen=True)
class Graticule:
    """Meridians (x, longitude) and parallels (y, latitude), ``step`` degrees apart."""

    step: float
    meridians: list[tuple[float, float]]
    parallels: list[tuple[float, float]]

    @property
    def decimals(self) -> int:
        return max(0, -math.floor(math.log10(self.step) + 1e-9))


def graticule(frame: Frame, most: int = 8) -> Graticule:
    """The lines of the finest spacing that draws at most ``most`` meridians across the frame."""
    step = next((s for s in GRATICULE_STEPS if (frame.east - frame.west) / s <= most), GRATICULE_STEPS[-1])
    longitudes = _multiples(frame.west, frame.east, step)
    latitudes = _multiples(frame.south, frame.north, step)
    meridians = [(frame.project(frame.lat0, lon)[0], lon) for lon in longitudes]
    parallels = [(frame.project(lat, frame.lon0)[1], lat) for lat in latitudes]
    return Graticule(step=step, meridians=meridians, parallels=parallels)


def _multiples(low: float, high: float, step: float) -> list[float]:
    first = math.ceil(low / step)
    return [round(k * step, 6) for k in range(first, math.floor(high / step) + 1)]


@dataclass(frozen=True)
class ScaleBar:
    metres: float
    length: float  # frame units

    @property
    def kilometres(self) -> bool:
        return self.metres >= 1000

    @property
    def amount(self) -> float:
        return self.metres / 1000 if self.kilometres else self.metres


def scale_bar(frame: Frame, longest: float | None = None) -> ScaleBar:
    """The longest round distance (1, 2 or 5 × 10ⁿ metres) that fits in ``longest`` units
    (default: a quarter of the frame's width)."""
    room = (longest or frame.width / 4) * frame.metres_per_unit
    power = 10 ** math.floor(math.log10(room))
    metres = max(m * power for m in (1, 2, 5) if m * power <= room)
    return ScaleBar(metres=metres, length=metres / frame.metres_per_unit)


def spread(
    points: Sequence[tuple[float, float]], crowded: float = CROWDED, rounds: int = 40
) -> list[tuple[float, float]]:
    """``points`` with markers closer than ``crowded`` pushed apart, each pair equally along the
    line between them (coincident ones along a fixed bearing), over at most ``rounds`` rounds:
    every marker stays visible, as near its place as its neighbours let it, and each crowd keeps
    its centre."""
    placed = [list(p) for p in points]
    for _ in range(rounds):
        pairs = _close_pairs(placed, crowded)
        if not pairs:
            break
        for i, j in pairs:
            dx, dy = placed[j][0] - placed[i][0], placed[j][1] - placed[i][1]
            distance = math.hypot(dx, dy)
            if distance < 1e-6:
                bearing = 2 * math.pi * ((i * 0.618034 + j * 0.381966) % 1)
                dx, dy, distance = math.cos(bearing), math.sin(bearing), 1.0
            push = (crowded - distance) / 2 + 0.05
            ux, uy = dx / distance, dy / distance
            placed[i][0] -= push * ux
            placed[i][1] -= push * uy
            placed[j][0] += push * ux
            placed[j][1] += push * uy
    return [(x, y) for x, y in placed]


def _close_pairs(points: Sequence[Sequence[float]], crowded: float) -> list[tuple[int, int]]:
    """Every pair of points closer than ``crowded`` (found through a grid of ``crowded`` cells)."""
    cells: dict[tuple[int, int], list[int]] = {}
    pairs = []
    for i, (x, y) in enumerate(points):
        cx, cy = math.floor(x / crowded), math.floor(y / crowded)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                pairs += [
                    (j, i)
                    for j in cells.get((cx + dx, cy + dy), ())
                    if math.dist((x, y), points[j]) < crowded
                ]
        cells.setdefault((cx, cy), []).append(i)
    return pairs


Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True)
class Label:
    """A name written beside point ``index``: at (``x``, ``y``), its baseline, anchored ``anchor``."""

    index: int
    x: float
    y: float
    anchor: Literal["start", "end", "middle"]


def text_width(text: str, size: float) -> float:
    """About how wide ``text`` is at font size ``size``: wide (CJK) characters a full em, others
    six tenths of one (a little more than a sans-serif's average, so estimates err wide)."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else 0.6 * size for c in text)


def place_labels(
    points: Sequence[tuple[float, float]],
    widths: Sequence[float],
    order: Sequence[int],
    bounds: Box,
    radius: float = 13.0,
    size: float = 16.0,
) -> list[Label]:
    """Labels of the points taken in ``order``, each right, left, above or below its point,
    whichever first fits inside ``bounds`` over no marker and no label placed before; a label
    that fits nowhere is left out (its point keeps its marker)."""
    taken: list[Box] = [(x - radius, y - radius, x + radius, y + radius) for x, y in points]
    placed = []
    for i in order:
        for box, label in _label_places(i, points[i], widths[i], radius, size):
            clear = not any(_overlap(box, t) for k, t in enumerate(taken) if k != i)
            if clear and _inside(box, bounds):
                taken.append(box)
                placed.append(label)
                break
    return placed


def _label_places(
    i: int, point: tuple[float, float], w: float, radius: float, size: float
) -> list[tuple[Box, Label]]:
    """Where point ``i``'s label may go, in order of preference: right, left, above, below."""
    x, y = point
    gap, half, base = radius + 5, size * 0.7, size * 0.35
    above, below = y - gap - half, y + gap + half
    return [
        ((x + gap, y - half, x + gap + w, y + half), Label(i, x + gap, y + base, "start")),
        ((x - gap - w, y - half, x - gap, y + half), Label(i, x - gap, y + base, "end")),
        ((x - w / 2, above - half, x + w / 2, above + half), Label(i, x, above + base, "middle")),
        ((x - w / 2, below - half, x + w / 2, below + half), Label(i, x, below + base, "middle")),
    ]


def _inside(box: Box, bounds: Box) -> bool:
    return box[0] >= bounds[0] and box[1] >= bounds[1] and box[2] <= bounds[2] and box[3] <= bounds[3]


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
