"""The top of Suyuan: the ``suyuan`` command's root and ``suyuan up``, the embedded default.

It may import every component; no component imports it.
"""
