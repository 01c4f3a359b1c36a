"""Where a site is: WGS-84 latitude and longitude in decimal degrees, and an address line.

Organisations and devices at a fixed place may carry a position, so that a regulator can see the
network on a map. Coordinates are as a GNSS receiver (or a map in WGS-84, EPSG:4326) gives them;
GCJ-02 coordinates from a Chinese web map are off by a few hundred metres, which a map of a city's
supervision network tolerates but a caller should not rely on.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .text import Line

#: Decimal places kept: 1e-7 degrees is about 1 cm, beyond any receiver's accuracy.
DECIMALS = 7


class Position(BaseModel):
    """A site's position: latitude and longitude (WGS-84, decimal degrees) and its address."""

    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False, description="degrees north (south < 0)")
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False, description="degrees east (west < 0)")
    address: Line | None = Field(
        default=None, min_length=1, max_length=200, description="the site's address, as a visitor finds it"
    )

    def rounded(self) -> Position:
        """The position with its coordinates rounded to :data:`DECIMALS` places."""
        return Position(
            latitude=round(self.latitude, DECIMALS),
            longitude=round(self.longitude, DECIMALS),
            address=self.address,
        )
