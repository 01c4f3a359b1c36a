"""A chain worker in a process of its own, for a test to SIGKILL between sending a call and noting
it mined: ``python -m tests.api._chain_worker_process CONFIG.json``.

It builds the service's parts from the configuration the test wrote (the database, the data
directory with the ledger's signing key and the members' keystores, the node and the deployment),
and drains the chain outbox once. After its first call is mined it prints ``sent <tx hash>`` and
waits for the signal, before noting anything.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

from eth_account import Account

from chain import ChainClient, Deployment, Keystore, TxResult, connect
from evidence import open_ledger
from trace_api.chainops import ChainWorker
from trace_api.chainops import worker as chain_worker
from trace_api.services import Services
from trace_api.settings import ServiceSettings


def main(config_file: str) -> None:
    config = json.loads(Path(config_file).read_text())
    settings = ServiceSettings(data_dir=Path(config["data_dir"]), database_url=config["database_url"])
    ledger = open_ledger(settings)
    chain = ChainClient(connect(config["rpc_url"]), Deployment.model_validate(config["deployment"]))
    keystore = Keystore(settings.keys_dir, "test", scrypt_n=2**10)
    regulator = Account.from_key(config["regulator_key"])
    services = Services(settings, ledger.engine, ledger, chain, keystore, regulator)
    send = chain_worker.send_fact

    def send_then_wait(*args: Any) -> TxResult:
        result = send(*args)
        print(f"sent {result.tx_hash}", flush=True)
        threading.Event().wait()  # the test kills the process here
        return result

    chain_worker.send_fact = send_then_wait
    ChainWorker(services).drain()


if __name__ == "__main__":
    main(sys.argv[1])
