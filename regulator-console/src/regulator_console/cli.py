"""``suyuan console``: what an operator needs to run the regulator console."""

from __future__ import annotations

import typer
from cryptography.fernet import Fernet

console_app = typer.Typer(
    help="The regulator console (served by `suyuan up` at /console)", no_args_is_help=True
)


@console_app.command("secret")
def new_secret() -> None:
    """Print a new session secret for SUYUAN_CONSOLE_SECRET (replicas behind one address share one)."""
    typer.echo(Fernet.generate_key().decode())


def register(app: typer.Typer) -> None:
    """``suyuan console``."""
    app.add_typer(console_app, name="console")
