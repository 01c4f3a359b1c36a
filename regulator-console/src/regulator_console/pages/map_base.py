"""The map's base, drawn on the server: a projected frame fitted to the sites, a graticule and a scale.

No tiles, no outlines, nothing fetched: sites are placed by their WGS-84 coordinates alone. The
projection is equirectangular about the frame's central latitude (x = longitude × cos φ₀,
y = latitude), which over a city or a province keeps distances and bearings true to about one per
cent; the scale bar is measured on a sphere of the IUGG mean Earth radius.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: The IUGG mean Earth radius (metres), and the length of one degree of latitude on that sphere.
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180
#: The smallest extent a frame shows (metres), so that one site, or sites on one street, still
#: sit in a frame with a readable scale.
MIN_SPAN_M = 2_000.0
#: Graticule spacings to choose from (degrees): each a 1, 2 or 5 times a power of ten.
GRATICULE_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30)
#: Markers closer than this (frame units) are set apart on a small ring around their centre.
CROWDED = 22.0


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


def spread(points: Sequence[tuple[float, float]], crowded: float = CROWDED) -> list[tuple[float, float]]:
    """``points`` with each crowd (points closer than ``crowded`` to one another, transitively)
    set out on a ring around its centre, in the order given, so every marker stays visible."""
    placed = list(points)
    for group in _crowds(points, crowded):
        cx = sum(points[j][0] for j in group) / len(group)
        cy = sum(points[j][1] for j in group) / len(group)
        radius = max(crowded * 1.2, crowded * len(group) / math.pi)
        for k, j in enumerate(group):
            angle = 2 * math.pi * k / len(group) - math.pi / 2
            placed[j] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    return placed


def _crowds(points: Sequence[tuple[float, float]], crowded: float) -> list[list[int]]:
    """The groups of two or more points linked by distances under ``crowded`` (a grid of
    ``crowded``-sized cells finds each point's neighbours; union-find joins them)."""
    parent = list(range(len(points)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    cells: dict[tuple[int, int], list[int]] = {}
    for i, (x, y) in enumerate(points):
        cx, cy = math.floor(x / crowded), math.floor(y / crowded)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for j in cells.get((cx + dx, cy + dy), ()):
                    if math.dist((x, y), points[j]) < crowded:
                        parent[root(i)] = root(j)
        cells.setdefault((cx, cy), []).append(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(points)):
        groups.setdefault(root(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]
