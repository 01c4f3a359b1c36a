"""Bringing the trace API's tables to the latest Alembic revision (when the service or a command starts)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from evidence import LEDGER_TABLES, LEDGER_VERSION_TABLE

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LEDGER_TABLE_NAMES = {t.name for t in LEDGER_TABLES} | {LEDGER_VERSION_TABLE}


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Migrations leave the ledger's tables and their version table to the ledger's own migrations."""
    return not (type_ == "table" and name in LEDGER_TABLE_NAMES)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Applies every migration up to ``revision``; safe to run again."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def autogenerate(engine: Engine, message: str) -> None:
    """Writes a new revision from the difference between the models and the database."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
