"""ingest component of Suyuan."""

__all__: list[str] = []
