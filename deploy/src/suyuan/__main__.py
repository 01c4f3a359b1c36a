"""``python -m suyuan``: the ``suyuan`` command."""

from suyuan.cli import main

main()
