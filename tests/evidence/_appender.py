"""A process that appends records in a loop and acknowledges each one on stdout once it returns.

Run as ``python -m tests.evidence._appender DATABASE_URL ORIGIN KEY_FILE PREFIX COUNT``; crash tests
kill it at random points and then check that every acknowledged record is in the log.
"""

from __future__ import annotations

import sys

from evidence import Ledger, NoteSigner, load_signing_key, make_engine
from tests.conftest import make_record


def main(url: str, origin: str, key_file: str, prefix: str, count: int) -> None:
    ledger = Ledger(make_engine(url), origin, NoteSigner(load_signing_key(key_file), origin))
    for i in range(count):
        receipt = ledger.append(make_record(i, tag=prefix))
        print(f"ACK {receipt.record_id} {receipt.index}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
