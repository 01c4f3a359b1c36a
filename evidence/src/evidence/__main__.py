"""``python -m evidence verify BUNDLE [--key KEY]``: see :mod:`evidence._cli`."""

from evidence._cli import main

raise SystemExit(main())
