"""EPCIS 2.0 SimpleEventQuery parameters read from the stored event itself (EPCIS 2.0 §8.2.7.1).

:mod:`.query` turns the parameters that have a column or an index into SQL; every other parameter
of the standard's list becomes a predicate here, tested on each event the SQL selects. A parameter
this module does not know, or a value it cannot read, raises :class:`Unprocessable` naming it.

Extension fields are named as captured (``EQ_example:colour`` matches ``"example:colour"``);
each parameter holds on its own (one sensor report may satisfy ``GE_value_CEL`` and another
``LT_percRank``). Parameters over master data (``HASATTR_``, ``EQ_ATTR_``) are refused: this
repository keeps no master data, so ``WD_readPoint``/``WD_bizLocation`` match the location itself.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from evidence import parse_rfc3339

from ..errors import Unprocessable
from .documents import IdentifierError, epc_lists, short_vocabulary, urn_to_digital_link

Event = dict[str, Any]
Predicate = Callable[[Event], bool]

COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": operator.eq,
    "GT": operator.gt,
    "GE": operator.ge,
    "LT": operator.lt,
    "LE": operator.le,
}
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
#: MATCH_ parameters without an index of their own: the event field lists epc_lists names them by.
MATCH_LISTS = {
    "MATCH_parentID": "parentID",
    "MATCH_inputEPC": "inputEPC",
    "MATCH_outputEPC": "outputEPC",
    "MATCH_inputEPCClass": "inputEPCClass",
    "MATCH_outputEPCClass": "outputEPCClass",
}
SENSOR_TIMES = ("time", "startTime", "endTime")
SENSOR_TERMS = (
    "type",
    "deviceID",
    "dataProcessingMethod",
    "microorganism",
    "chemicalSubstance",
    "bizRules",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
)
SENSOR_MEASURES = ("value", "minValue", "maxValue", "meanValue", "sDev", "percValue")
_EXTENSION = r"([a-zA-Z][\w.-]*:[\w.-]+)"
_OP = r"(EQ|GT|GE|LT|LE)"
#: Parameters naming an extension field, by where the field is looked for.
_EXTENSION_PARAMETERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), where)
    for pattern, where in (
        (rf"{_OP}_INNER_ILMD_{_EXTENSION}", "inner_ilmd"),
        (rf"{_OP}_ILMD_{_EXTENSION}", "ilmd"),
        (rf"{_OP}_INNER_ERROR_DECLARATION_{_EXTENSION}", "inner_errorDeclaration"),
        (rf"{_OP}_ERROR_DECLARATION_{_EXTENSION}", "errorDeclaration"),
        (rf"{_OP}_INNER_SENSORELEMENT_{_EXTENSION}", "inner_sensorElement"),
        (rf"{_OP}_SENSORELEMENT_{_EXTENSION}", "sensorElement"),
        (rf"{_OP}_INNER_SENSORMETADATA_{_EXTENSION}", "inner_sensorMetadata"),
        (rf"{_OP}_SENSORMETADATA_{_EXTENSION}", "sensorMetadata"),
        (rf"{_OP}_INNER_SENSORREPORT_{_EXTENSION}", "inner_sensorReport"),
        (rf"{_OP}_SENSORREPORT_{_EXTENSION}", "sensorReport"),
        (rf"(EQ)_INNER_readPoint_{_EXTENSION}", "inner_readPoint"),
        (rf"(EQ)_readPoint_{_EXTENSION}", "readPoint"),
        (rf"(EQ)_INNER_bizLocation_{_EXTENSION}", "inner_bizLocation"),
        (rf"(EQ)_bizLocation_{_EXTENSION}", "bizLocation"),
        (rf"{_OP}_INNER_{_EXTENSION}", "inner"),
        (rf"{_OP}_{_EXTENSION}", "top"),
        (rf"(EXISTS)_INNER_ILMD_{_EXTENSION}", "inner_ilmd"),
        (rf"(EXISTS)_ILMD_{_EXTENSION}", "ilmd"),
        (rf"(EXISTS)_INNER_ERROR_DECLARATION_{_EXTENSION}", "inner_errorDeclaration"),
        (rf"(EXISTS)_ERROR_DECLARATION_{_EXTENSION}", "errorDeclaration"),
        (rf"(EXISTS)_SENSORELEMENT_{_EXTENSION}", "sensorElement"),
        (rf"(EXISTS)_SENSORMETADATA_{_EXTENSION}", "sensorMetadata"),
        (rf"(EXISTS)_SENSORREPORT_{_EXTENSION}", "sensorReport"),
        (rf"(EXISTS)_INNER_{_EXTENSION}", "inner"),
        (rf"(EXISTS)_{_EXTENSION}", "top"),
    )
)
_TYPED_LISTS = re.compile(r"EQ_(bizTransaction|source|destination)_([a-z][a-zA-Z0-9_]+)")
_UOM_MEASURE = re.compile(
    rf"{_OP}_(value|minValue|maxValue|meanValue|sDev|percValue|quantity)_([A-Z0-9]{{2,4}})"
)
_MASTER_DATA = re.compile(r"(HASATTR_|EQ_ATTR_).*")


def values_of(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    """A parameter's values: repeated, or separated by ``|`` (the REST binding's list form)."""
    return [v for raw in params.get(name, []) for v in raw.split("|") if v]


def event_predicate(params: Mapping[str, Sequence[str]], names: Iterable[str]) -> Predicate | None:
    """One predicate testing every parameter of ``names`` on an event; None if there are none.

    Raises :class:`Unprocessable` naming the first parameter that is unknown or has a bad value.
    """
    tests = [_predicate(name, values_of(params, name)) for name in sorted(names)]
    if not tests:
        return None
    return lambda event: all(test(event) for test in tests)


def is_event_parameter(name: str) -> bool:
    """Whether ``name`` is a parameter this module tests on events (its values aside)."""
    return (
        name in _FIXED
        or _TYPED_LISTS.fullmatch(name) is not None
        or _UOM_MEASURE.fullmatch(name) is not None
        or any(pattern.fullmatch(name) for pattern, _ in _EXTENSION_PARAMETERS)
    )


def _predicate(name: str, values: list[str]) -> Predicate:
    if _MASTER_DATA.fullmatch(name):
        raise Unprocessable.field(name, "needs master data, which this repository does not keep")
    if not values:
        raise Unprocessable.field(name, "needs a value")
    if name in _FIXED:
        return _FIXED[name](name, values)
    if match := _TYPED_LISTS.fullmatch(name):
        return _typed_list(match[1], match[2], values)
    if match := _UOM_MEASURE.fullmatch(name):
        return _measure(name, match[2], COMPARE[match[1]], values, uom=match[3])
    for pattern, where in _EXTENSION_PARAMETERS:
        if match := pattern.fullmatch(name):
            return _extension(name, match[1], match[2], where, values)
    raise Unprocessable.field(name, "is not a supported query parameter")


# --- parameters with fixed names -------------------------------------------------------------


def _in_values(
    read: Callable[[Event], Iterable[Any]], short: bool = False
) -> Callable[[str, list[str]], Predicate]:
    def build(name: str, values: list[str]) -> Predicate:
        wanted = {short_vocabulary(v) for v in values} if short else set(values)
        return lambda event: any(
            (short_vocabulary(v) if short else v) in wanted for v in read(event) if isinstance(v, str)
        )

    return build


def _exists(read: Callable[[Event], Any]) -> Callable[[str, list[str]], Predicate]:
    def build(name: str, values: list[str]) -> Predicate:
        wanted = _boolean(name, values)
        return lambda event: (read(event) not in (None, [], {})) == wanted

    return build


def _time_compare(read: Callable[[Event], Iterable[Any]], compare: Callable[[Any, Any], bool]) -> Any:
    def build(name: str, values: list[str]) -> Predicate:
        bound = _time(name, values[0])
        return lambda event: any(
            compare(when, bound) for when in (_as_time(v) for v in read(event)) if when is not None
        )

    return build


def _number_compare(read: Callable[[Event], Iterable[Any]], compare: Callable[[Any, Any], bool]) -> Any:
    def build(name: str, values: list[str]) -> Predicate:
        bound = _number(name, values[0])
        return lambda event: any(
            compare(number, bound) for number in (_as_number(v) for v in read(event)) if number is not None
        )

    return build


def _matching_ids(key: str) -> Callable[[str, list[str]], Predicate]:
    def build(name: str, values: list[str]) -> Predicate:
        wanted = set(values) | {_digital_link(v) for v in values}
        return lambda event: any(v in wanted or _digital_link(v) in wanted for v in epc_lists(event)[key])

    return build


def _error(event: Event) -> dict[str, Any]:
    declaration = event.get("errorDeclaration")
    return declaration if isinstance(declaration, dict) else {}


def _sensor_records(event: Event) -> Iterator[dict[str, Any]]:
    """Each sensor report merged over its element's metadata (a report's own field wins)."""
    for element in _dicts(event.get("sensorElementList")):
        metadata = element.get("sensorMetadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        reports = list(_dicts(element.get("sensorReport")))
        for report in reports or [{}]:
            yield {**metadata, **report}


def _sensor_field(field: str) -> Callable[[Event], Iterator[Any]]:
    return lambda event: (record.get(field) for record in _sensor_records(event))


def _quantities(event: Event) -> Iterator[dict[str, Any]]:
    for name in QUANTITY_LISTS:
        yield from _dicts(event.get(name))


_FIXED: dict[str, Callable[[str, list[str]], Predicate]] = {
    "EQ_persistentDisposition_set": _in_values(
        lambda e: _list((e.get("persistentDisposition") or {}).get("set")), short=True
    ),
    "EQ_persistentDisposition_unset": _in_values(
        lambda e: _list((e.get("persistentDisposition") or {}).get("unset")), short=True
    ),
    "EQ_transformationID": _in_values(lambda e: [e.get("transformationID")]),
    "EXISTS_errorDeclaration": _exists(lambda e: e.get("errorDeclaration")),
    "EQ_errorReason": _in_values(lambda e: [_error(e).get("reason")], short=True),
    "EQ_correctiveEventID": _in_values(lambda e: _list(_error(e).get("correctiveEventIDs"))),
    "EXISTS_sensorElementList": _exists(lambda e: e.get("sensorElementList")),
    **{
        f"{op}_quantity": _number_compare(lambda e: (q.get("quantity") for q in _quantities(e)), compare)
        for op, compare in COMPARE.items()
    },
    **{
        f"{op}_errorDeclaration{sep}Time": _time_compare(
            lambda e: [_error(e).get("declarationTime")], compare
        )
        for op, compare in (("GE", operator.ge), ("LT", operator.lt))
        for sep in ("", "_")
    },
    **{
        f"{op}_{field}": _time_compare(_sensor_field(field), compare)
        for field in SENSOR_TIMES
        for op, compare in (("GE", operator.ge), ("LT", operator.lt))
    },
    **{
        f"EQ_{field}": _in_values(_sensor_field(field), short=field == "type")
        for field in SENSOR_TERMS
        if field != "booleanValue"
    },
    "EQ_booleanValue": lambda name, values: _boolean_value(name, values),
    **{
        f"{op}_percRank": _number_compare(_sensor_field("percRank"), compare)
        for op, compare in COMPARE.items()
        if op != "EQ"
    },
    **{name: _matching_ids(key) for name, key in MATCH_LISTS.items()},
}


def _boolean_value(name: str, values: list[str]) -> Predicate:
    wanted = _boolean(name, values)
    return lambda event: any(value is wanted for value in _sensor_field("booleanValue")(event))


# --- parameters with a name inside ------------------------------------------------------------


def _typed_list(field: str, kind: str, values: list[str]) -> Predicate:
    """``EQ_bizTransaction_po``, ``EQ_source_owning_party``…: an element of that type with one of
    the values (types compare by their short CBV name, as ``po`` and ``urn:epcglobal:cbv:btt:po``)."""
    wanted, wanted_kind = set(values), _short_type(kind)

    def test(event: Event) -> bool:
        for element in _dicts(event.get(f"{field}List")):
            if _short_type(element.get("type")) == wanted_kind and element.get(field) in wanted:
                return True
        return False

    return test


def _short_type(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return re.split(r"[:/#-]", value)[-1]


def _measure(
    name: str, field: str, compare: Callable[[Any, Any], bool], values: list[str], uom: str
) -> Predicate:
    """``GE_value_CEL``, ``LT_quantity_KGM``…: a sensor report (or quantity element) in ``uom``."""
    bound = _number(name, values[0])
    if field == "quantity":
        records: Callable[[Event], Iterable[dict[str, Any]]] = _quantities
    else:
        records = _sensor_records

    def test(event: Event) -> bool:
        for record in records(event):
            number = _as_number(record.get(field))
            if record.get("uom") == uom and number is not None and compare(number, bound):
                return True
        return False

    return test


def _extension(name: str, op: str, field: str, where: str, values: list[str]) -> Predicate:
    inner = where.startswith("inner")
    scope = where.removeprefix("inner_") if where != "inner" else "top"

    def found(event: Event) -> Iterator[Any]:
        for holder in _holders(event, scope):
            yield from (_anywhere(holder, field) if inner else [holder.get(field)] if field in holder else [])

    if op == "EXISTS":
        wanted = _boolean(name, values)
        return lambda event: any(True for _ in found(event)) == wanted
    if op == "EQ":
        texts = set(values)
        return lambda event: any(_text(value) in texts for value in found(event))
    compare, bound = COMPARE[op], _bound(name, values[0])
    return lambda event: any(_compares(value, compare, bound) for value in found(event))


def _holders(event: Event, scope: str) -> list[dict[str, Any]]:
    if scope == "top":
        return [event]
    if scope in ("ilmd", "errorDeclaration", "readPoint", "bizLocation"):
        holder = event.get(scope)
        return [holder] if isinstance(holder, dict) else []
    elements = list(_dicts(event.get("sensorElementList")))
    if scope == "sensorElement":
        return elements
    if scope == "sensorMetadata":
        return [m for e in elements if isinstance(m := e.get("sensorMetadata"), dict)]
    return [r for e in elements for r in _dicts(e.get("sensorReport"))]


def _anywhere(node: Any, field: str) -> Iterator[Any]:
    """Every value of ``field`` in ``node`` or nested in it (the ``INNER_`` parameters)."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            if field in current:
                yield current[field]
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)


# --- values -----------------------------------------------------------------------------------


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    yield from (v for v in _list(value) if isinstance(v, dict))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, dict) and isinstance(value.get("@value"), str | int | float):
        return str(value["@value"])
    return None


def _boolean(name: str, values: list[str]) -> bool:
    if values[0].lower() not in ("true", "false"):
        raise Unprocessable.field(name, f"{values[0]!r} is neither true nor false")
    return values[0].lower() == "true"


def _number(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError as exc:
        raise Unprocessable.field(name, f"{value!r} is not a number") from exc
    if number != number or number in (float("inf"), float("-inf")):
        raise Unprocessable.field(name, f"{value!r} is not a finite number")
    return number


def _time(name: str, value: str) -> dt.datetime:
    try:
        return parse_rfc3339(value)
    except ValueError as exc:
        raise Unprocessable.field(name, f"{value!r} {exc}") from exc


def _bound(name: str, value: str) -> float | dt.datetime:
    """A comparison's bound: a number, or else an RFC 3339 time."""
    try:
        return _number(name, value)
    except Unprocessable:
        try:
            return _time(name, value)
        except Unprocessable:
            raise Unprocessable.field(name, f"{value!r} is neither a number nor an RFC 3339 time") from None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(_text(value) or "")
    except ValueError:
        return None


def _as_time(value: Any) -> dt.datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return parse_rfc3339(text)
    except ValueError:
        return None


def _compares(value: Any, compare: Callable[[Any, Any], bool], bound: float | dt.datetime) -> bool:
    mine = _as_time(value) if isinstance(bound, dt.datetime) else _as_number(value)
    return mine is not None and bool(compare(mine, bound))


def _digital_link(value: str) -> str:
    try:
        return urn_to_digital_link(value)
    except IdentifierError:
        return value
