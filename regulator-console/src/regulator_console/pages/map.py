"""地图 Map: every positioned site of the network (organisations, cold stores, kitchen cameras,
market scales, farmers' markets, elevators) placed by its coordinates and coloured by its open
alerts (an elevator by its status).

One call, ``GET /v1/sites`` (a page of up to :data:`PAGE_SIZE` sites, keyset-paged), draws the map
and the list below it, so both always show the same sites. The base is drawn here as SVG
(:mod:`.map_base`): a projected frame fitted to the sites, a graticule and a scale bar, and nothing
loaded from anywhere else. A marker is a link: it opens the site's details (``GET
/v1/sites/{id}``: its newest open alerts) beside the map, without any script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..api import ApiProblem
from ..i18n import N_, _, number
from ..vocabulary import ALERT_RULES
from ..web import MOUNT, NavItem, SignedIn, _state, render
from .map_base import (
    Frame,
    Label,
    ScaleBar,
    fit_frame,
    graticule,
    place_labels,
    scale_bar,
    spread,
    text_width,
)

NAV = NavItem("/map", N_("Map"), 60)
router = APIRouter()

#: Sites per page: the map and the list show one page.
PAGE_SIZE = 500
#: From this many open alerts a site counts as having many (red); one or more: some (amber).
MANY_ALERTS = 3
#: Names are written beside the markers (where they fit) while a page has at most this many sites.
MOST_LABELS = 200
#: The longest name written on the map (longer ones end in an ellipsis); the list has them whole.
LABEL_CHARACTERS = 24
LABEL_SIZE = 16.0
#: The frame's size in SVG units (it scales to the page's width), and the room kept around the
#: sites for crowded markers set apart, and the graticule's labels.
WIDTH, HEIGHT = 1000.0, 640.0
MARGIN = 80.0

SITE_KINDS = {
    "importer": N_("Importer"),
    "wholesaler": N_("Wholesaler"),
    "retailer": N_("Retailer"),
    "restaurant": N_("Restaurant or canteen"),
    "market": N_("Market"),
    "regulator": N_("Regulator"),
    "vendor": N_("Vendor"),
    "maintainer": N_("Maintenance unit"),
    "user_unit": N_("Equipment user unit"),
    "producer": N_("Food producer"),
    "cold_store": N_("Cold store"),
    "camera": N_("Kitchen camera"),
    "scale": N_("Market scale"),
    "device": N_("Device"),
    "elevator": N_("Elevator"),
}
#: An elevator's marker is coloured by its status (``GET /v1/sites`` gives it), not by its alerts.
EQUIPMENT_STATUSES = {
    "normal": N_("In order"),
    "due_soon": N_("Maintenance due soon"),
    "overdue": N_("Maintenance overdue"),
    "fault": N_("Fault reported"),
}
ALERT_KINDS = {
    "temperature": N_("Temperature excursion"),
    "door_open": N_("Door left open"),
    "silent": N_("Silent device"),
    "kitchen_incident": N_("Kitchen incident"),
}
LEVELS = {
    "none": N_("No open alert"),
    "some": N_("1 or 2 open alerts"),
    "many": N_("3 or more open alerts"),
}

#: Kitchen cameras' findings (``GET /v1/sites/{id}`` gives the violation's code as an incident's detail).
VIOLATIONS = {
    "no_chef_hat": N_("Cook without a chef hat"),
    "no_mask": N_("Cook without a mask"),
    "phone_in_use": N_("Phone in use while cooking"),
    "smoking": N_("Smoking in the kitchen"),
    "rodent": N_("Rodent in the kitchen"),
}

Level = Literal["none", "some", "many"]
EQUIPMENT_LEVELS: dict[str, Level] = {
    "normal": "none",
    "due_soon": "some",
    "overdue": "many",
    "fault": "many",
}

#: A site's id as ``GET /v1/sites`` gives it: ``org:{handle}``, ``device:{handle}:{name}``,
#: ``market:{market handle}`` or ``equipment:{equipment code}``.
SITE_ID = re.compile(
    r"(org:[a-z0-9-]{2,64}|device:[a-z0-9-]{2,64}:[a-z0-9-]{2,63}|market:[a-z0-9-]{2,63}|equipment:[0-9]{20})"
)


def site_level(site: dict[str, Any]) -> Level:
    """An elevator's level by its status; any other site's by its open alerts."""
    if site.get("source") == "equipment":
        return EQUIPMENT_LEVELS.get(str(site.get("status")), "none")
    return alert_level(int(site["open_alerts"]))


def alert_level(open_alerts: int) -> Level:
    if open_alerts >= MANY_ALERTS:
        return "many"
    return "some" if open_alerts else "none"


@dataclass(frozen=True)
class Marker:
    """One site as the map draws it."""

    site: dict[str, Any]
    x: float
    y: float
    level: Level
    href: str
    selected: bool

    @property
    def device(self) -> bool:
        return bool(self.site["source"] == "device")

    @property
    def equipment(self) -> bool:
        return bool(self.site["source"] == "equipment")

    @property
    def count(self) -> str:
        n = int(self.site["open_alerts"])
        return "" if n == 0 else ("99+" if n > 99 else str(n))

    @property
    def label(self) -> str:
        name = str(self.site["name"])
        return name if len(name) <= LABEL_CHARACTERS else name[: LABEL_CHARACTERS - 1] + "…"


@dataclass(frozen=True)
class Drawing:
    frame: Frame
    markers: list[Marker]
    labels: list[tuple[Label, str]]

    @property
    def graticule(self) -> Any:
        return graticule(self.frame)

    @property
    def scale(self) -> Any:
        return scale_bar(self.frame)


def latitude_text(value: float, decimals: int = 4) -> str:
    """``31.2304°N`` / ``北纬 31.2304°``."""
    degrees = f"{abs(value):.{decimals}f}"
    return _("%(deg)s°N", deg=degrees) if value >= 0 else _("%(deg)s°S", deg=degrees)


def longitude_text(value: float, decimals: int = 4) -> str:
    """``121.4737°E`` / ``东经 121.4737°``."""
    degrees = f"{abs(value):.{decimals}f}"
    return _("%(deg)s°E", deg=degrees) if value >= 0 else _("%(deg)s°W", deg=degrees)


def scale_text(bar: ScaleBar) -> str:
    amount = number(bar.amount)
    return _("%(n)s km", n=amount) if bar.kilometres else _("%(n)s m", n=amount)


def marker_label(site: dict[str, Any], kind: str) -> str:
    """What a marker says to a screen reader (and in its tooltip)."""
    n = int(site["open_alerts"])
    if n == 0:
        return _("%(name)s (%(kind)s): no open alert", name=site["name"], kind=kind)
    return _("%(name)s (%(kind)s): %(n)s open alerts", name=site["name"], kind=kind, n=number(n))


def alert_detail(alert: dict[str, Any]) -> str:
    """An open alert's detail; a kitchen incident's violation by its name."""
    if alert["kind"] == "kitchen_incident" and alert["detail"] in VIOLATIONS:
        return _(VIOLATIONS[alert["detail"]])
    return str(alert["detail"])


def site_link(site_id: str, alerting: bool, cursor: str | None) -> str:
    """The map with ``site_id``'s details open, on the same page of sites."""
    query = {"site": site_id, **_page_query(alerting, cursor)}
    return f"{MOUNT}/map?{urlencode(query)}#site-details"


def draw(
    sites: list[dict[str, Any]], selected: str | None, alerting: bool, cursor: str | None
) -> Drawing | None:
    """The page's sites placed in a frame fitted to them; None when there is none to place."""
    if not sites:
        return None
    frame = fit_frame([(s["latitude"], s["longitude"]) for s in sites], WIDTH, HEIGHT, margin=MARGIN)
    points = [_inside(p) for p in spread([frame.project(s["latitude"], s["longitude"]) for s in sites])]
    markers = [
        Marker(
            site=site,
            x=round(x, 1),
            y=round(y, 1),
            level=site_level(site),
            href=site_link(site["id"], alerting, cursor),
            selected=site["id"] == selected,
        )
        for site, (x, y) in zip(sites, points, strict=True)
    ]
    # The selected marker last, so that it is drawn above its neighbours.
    markers.sort(key=lambda m: m.selected)
    return Drawing(frame=frame, markers=markers, labels=_labels(markers))


def _labels(markers: list[Marker]) -> list[tuple[Label, str]]:
    """The names that fit beside their markers: the selected site's first, then the most alerting."""
    if len(markers) > MOST_LABELS:
        return []
    rank = {"many": 0, "some": 1, "none": 2}
    order = sorted(range(len(markers)), key=lambda i: (not markers[i].selected, rank[markers[i].level]))
    placed = place_labels(
        [(m.x, m.y) for m in markers],
        [text_width(m.label, LABEL_SIZE) for m in markers],
        order,
        bounds=(4.0, 4.0, WIDTH - 4.0, HEIGHT - 32.0),
        size=LABEL_SIZE,
    )
    return [(label, markers[label.index].label) for label in placed]


def _inside(point: tuple[float, float]) -> tuple[float, float]:
    """``point`` kept clear of the frame's edges and of the longitude labels along its foot."""
    x, y = point
    return min(max(x, 24.0), WIDTH - 24.0), min(max(y, 24.0), HEIGHT - 44.0)


async def _site(request: Request, regulator: SignedIn, site_id: str) -> dict[str, Any] | None:
    """The site's details, or None when the API knows no such positioned site."""
    if SITE_ID.fullmatch(site_id) is None:
        return None
    try:
        found: dict[str, Any] = await _state(request).api.get(regulator.key, "/v1/sites/" + site_id)
    except ApiProblem as problem:
        if problem.status == 404:
            return None
        raise
    return found


@router.get("/map", response_class=HTMLResponse)
async def site_map(
    request: Request,
    regulator: SignedIn,
    site: str | None = None,
    alerting: bool = False,
    cursor: str | None = None,
) -> HTMLResponse:
    page = await _state(request).api.get(
        regulator.key, "/v1/sites", alerting="true" if alerting else None, cursor=cursor, limit=PAGE_SIZE
    )
    detail = await _site(request, regulator, site) if site else None
    sites: list[dict[str, Any]] = page["sites"]
    context = {
        "sites": sites,
        "levels": {s["id"]: site_level(s) for s in sites},
        "drawing": draw(sites, site, alerting, cursor),
        "selected": site,
        "detail": detail,
        "detail_level": site_level(detail) if detail else None,
        "alerting": alerting,
        "cursor": cursor,
        "next_cursor": page["next_cursor"],
        "site_kinds": SITE_KINDS,
        "alert_kinds": {**ALERT_RULES, **ALERT_KINDS},
        "level_labels": LEVELS,
        "equipment_statuses": EQUIPMENT_STATUSES,
        "link": lambda site_id: site_link(site_id, alerting, cursor),
        "latitude_text": latitude_text,
        "longitude_text": longitude_text,
        "scale_text": scale_text,
        "marker_label": marker_label,
        "alert_detail": alert_detail,
        "close_link": f"{MOUNT}/map?{urlencode(_page_query(alerting, cursor))}",
        "next_link": f"{MOUNT}/map?{urlencode(_page_query(alerting, page['next_cursor']))}",
    }
    return render(request, "map/page.html", context, regulator=regulator)


def _page_query(alerting: bool, cursor: str | None) -> dict[str, str]:
    return {**({"alerting": "1"} if alerting else {}), **({"cursor": cursor} if cursor else {})}
