"""regulator_console component of Suyuan."""

__all__: list[str] = []
