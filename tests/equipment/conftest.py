"""The trace API with a small elevator registry: a grid area, a user unit, two maintenance units."""

from __future__ import annotations

from tests.api.conftest import api as api  # the trace API (a fixture), on SQLite and on PostgreSQL
