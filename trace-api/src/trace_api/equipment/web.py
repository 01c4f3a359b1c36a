"""What the equipment routes and the public page share: the rules and the clock an app runs with,
and the public page's address."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from ..services import Services
from .rules import EquipmentRules

#: The path of an elevator's public page (its QR symbol's target) below the public URL.
PUBLIC_PATH = "/e/{code}"
Clock = Callable[[], dt.datetime]


def get_rules(request: Request) -> EquipmentRules:
    """The rules the app was given (``app.state.equipment_rules``), else those of the environment."""
    rules: EquipmentRules | None = getattr(request.app.state, "equipment_rules", None)
    if rules is None:
        rules = request.app.state.equipment_rules = EquipmentRules()
    return rules


def now_of(request: Request) -> dt.datetime:
    """The app's clock (``app.state.equipment_clock``, which tests set), else the system's."""
    clock: Clock | None = getattr(request.app.state, "equipment_clock", None)
    return clock() if clock is not None else dt.datetime.now(dt.UTC)


Rules = Annotated[EquipmentRules, Depends(get_rules)]
Now = Annotated[dt.datetime, Depends(now_of)]


def public_url(services: Services, code: str) -> str:
    return services.settings.public_url + PUBLIC_PATH.format(code=code)
