"""A typed client over web3.py for Suyuan's contracts.

It behaves the same on anvil and on Hyperledger Besu QBFT: every transaction is signed locally
with chain id and zero fees set explicitly, nonces are assigned per sender under a lock (so
concurrent senders never collide), the POA extraData middleware is injected, receipts are waited
for as the block period says (:mod:`chain._wait`), receipt status is checked, and custom errors
are decoded into :mod:`chain._errors` exceptions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, cast

from eth_abi.abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError, TimeExhausted, Web3Exception
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import Nonce, TxParams, Wei

from ._compile import load_artifact
from ._deploy import Deployment
from ._errors import NodeError, TransactionFailed, UnknownRevert, revert_error
from ._toolchain import CONTRACT_NAMES
from ._wait import ReceiptWait

#: Gas headroom over the node's estimate.
GAS_MARGIN = 1.2


@dataclass(frozen=True)
class ChainEvent:
    """A decoded contract event."""

    contract: str
    name: str
    args: dict[str, Any]
    block_number: int
    log_index: int
    #: The transaction that emitted it.
    tx_hash: str = ""


@dataclass(frozen=True)
class TxResult:
    """A mined, successful transaction and the events it emitted."""

    tx_hash: str
    block_number: int
    gas_used: int
    events: list[ChainEvent] = field(default_factory=list)

    def event(self, name: str) -> ChainEvent:
        """The single event called ``name``. Requires exactly one such event."""
        found = [e for e in self.events if e.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {name} event, found {len(found)}")
        return found[0]


def connect(rpc_url: str, timeout_s: float = 30.0) -> Web3:
    """A Web3 connection with the POA extraData middleware at layer 0 (Besu QBFT's extraData is long)."""
    # Request caching keeps eth_chainId (checked on every transaction) from costing a round trip each time.
    w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": timeout_s}, cache_allowed_requests=True))
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    try:
        w3.eth.chain_id  # noqa: B018 - probe the node once, with a clear error
    except (OSError, Web3Exception) as exc:
        raise NodeError(f"no chain node answers at {rpc_url}: {exc}") from exc
    return w3


class _ErrorDecoder:
    """Maps 4-byte custom-error selectors of all known ABIs to their names and argument types."""

    def __init__(self, abis: list[list[dict[str, Any]]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str], list[str]]] = {}
        for abi in abis:
            for item in abi:
                if item.get("type") == "error":
                    types = [i["type"] for i in item["inputs"]]
                    selector = Web3.keccak(text=f"{item['name']}({','.join(types)})")[:4]
                    self._errors[selector] = (item["name"], [i["name"] for i in item["inputs"]], types)

    def raise_for(self, data: Any, tx_hash: str | None = None) -> None:
        raw = bytes(HexBytes(data)) if data else b""
        known = self._errors.get(raw[:4])
        if known is None:
            raise UnknownRevert(f"reverted without a known custom error (data {raw.hex() or 'empty'})")
        name, names, types = known
        values = abi_decode(types, raw[4:])
        raise revert_error(name, dict(zip(names, [_plain(v) for v in values], strict=True)), tx_hash)


def _plain(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return Web3.to_checksum_address(value)
    return value


class _Nonces:
    """Next nonce per sender; the lock is held from nonce choice until the node accepted the tx."""

    def __init__(self, w3: Web3) -> None:
        self._w3 = w3
        self._next: dict[str, int] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, address: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(address, threading.Lock())

    def take(self, address: str) -> int:
        """Requires the sender's lock."""
        if address not in self._next:
            self._next[address] = self._w3.eth.get_transaction_count(
                Web3.to_checksum_address(address), "pending"
            )
        nonce = self._next[address]
        self._next[address] = nonce + 1
        return nonce

    def resync(self, address: str) -> None:
        """Requires the sender's lock. Forgets the local count after a rejected send."""
        self._next.pop(address, None)

    def resync_all(self) -> None:
        """Forgets every local count (the node may have lost transactions: a restart from older state)."""
        with self._guard:
            addresses = list(self._locks)
        for address in addresses:
            with self.lock(address):
                self.resync(address)
        with self._guard:
            self._next.clear()


class ContractClient:
    """Suyuan's contracts on one chain, reached through one Web3 connection: the transaction layer."""

    def __init__(self, w3: Web3, deployment: Deployment, *, wait: ReceiptWait | None = None) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.chain_id = deployment.chain_id
        #: How receipts are waited for; without one, as for a node that mines a block per transaction.
        self.receipt_wait = wait or ReceiptWait.for_block_period(0)
        self._nonces = _Nonces(w3)
        abis = {name: load_artifact(name)["abi"] for name in CONTRACT_NAMES}
        self.contracts: dict[str, Contract] = {
            name: w3.eth.contract(
                address=Web3.to_checksum_address(deployment.contracts[name]), abi=abis[name]
            )
            for name in CONTRACT_NAMES
        }
        self._by_address = {c.address.lower(): name for name, c in self.contracts.items()}
        self._errors = _ErrorDecoder(list(abis.values()))

    # -- transactions ------------------------------------------------------------------------

    def transact(self, sender: LocalAccount, fn: ContractFunction) -> TxResult:
        """Signs and sends ``fn`` from ``sender``, waits for it, and returns its result.

        A revert, at estimation or once mined, raises the decoded custom error.
        """
        tx_hash = self.submit(sender, fn)
        try:
            return self.wait(tx_hash)
        except TransactionFailed:
            # Not mined in time: the node may have dropped it (a restart, a nonce gap). Ask the
            # node for the sender's nonce again rather than building on a transaction it lost.
            with self._nonces.lock(sender.address):
                self._nonces.resync(sender.address)
            raise

    def submit(self, sender: LocalAccount, fn: ContractFunction) -> str:
        """Estimates, signs and sends ``fn`` without waiting; returns the transaction hash."""
        gas = self._estimate(sender, fn)
        address = sender.address
        with self._nonces.lock(address):
            params: TxParams = {
                "from": address,
                "chainId": self.chain_id,
                "gas": gas,
                "gasPrice": Wei(0),
                "nonce": Nonce(self._nonces.take(address)),
            }
            signed = sender.sign_transaction(cast(dict[str, Any], fn.build_transaction(params)))
            try:
                return self.w3.eth.send_raw_transaction(signed.raw_transaction).to_0x_hex()
            except (Web3Exception, ValueError) as exc:
                self._nonces.resync(address)
                raise TransactionFailed(f"node refused transaction from {address}: {exc}") from exc

    def wait(self, tx_hash: str) -> TxResult:
        """Waits for the transaction's receipt, as :attr:`receipt_wait` says, and returns its result.

        The first receipt is final: QBFT (and anvil) never reorganise a mined block.
        """
        wait = self.receipt_wait
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(
                HexBytes(tx_hash), timeout=wait.timeout_s, poll_latency=wait.poll_s
            )
        except TimeExhausted as exc:
            raise TransactionFailed(f"transaction {tx_hash} not mined within {wait.timeout_s:g} s") from exc
        if receipt["status"] != 1:
            self._explain_failure(tx_hash, receipt["blockNumber"])
        return TxResult(
            tx_hash=tx_hash,
            block_number=receipt["blockNumber"],
            gas_used=receipt["gasUsed"],
            events=self._decode_logs(receipt["logs"]),
        )

    def _estimate(self, sender: LocalAccount, fn: ContractFunction) -> int:
        try:
            estimate = fn.estimate_gas({"from": sender.address, "gasPrice": Wei(0)})
        except (ContractCustomError, ContractLogicError) as exc:
            self._errors.raise_for(exc.data)
            raise  # unreachable: raise_for always raises
        return int(estimate * GAS_MARGIN) + 10_000

    def _explain_failure(self, tx_hash: str, block_number: int) -> None:
        """Replays a reverted transaction at its block to recover the custom error."""
        tx = self.w3.eth.get_transaction(HexBytes(tx_hash))
        call = {"from": tx["from"], "to": tx["to"], "data": tx["input"], "gas": tx["gas"], "gasPrice": 0}
        try:
            self.w3.eth.call(call, block_identifier=block_number - 1)  # type: ignore[arg-type]
        except (ContractCustomError, ContractLogicError) as exc:
            self._errors.raise_for(exc.data, tx_hash)
        raise TransactionFailed(f"transaction {tx_hash} reverted in block {block_number}")

    def _decode_logs(self, logs: list[Any]) -> list[ChainEvent]:
        events = []
        for log in logs:
            name = self._by_address.get(str(log["address"]).lower())
            if name is None:
                continue
            decoded = self._decode_log(self.contracts[name], log)
            if decoded is not None:
                tx_hash = HexBytes(log["transactionHash"]).to_0x_hex() if "transactionHash" in log else ""
                events.append(
                    ChainEvent(name, decoded[0], decoded[1], log["blockNumber"], log["logIndex"], tx_hash)
                )
        return events

    @staticmethod
    def _decode_log(contract: Contract, log: Any) -> tuple[str, dict[str, Any]] | None:
        for event in list(contract.events):  # type: ignore[call-overload]
            if event.topic == HexBytes(log["topics"][0]).to_0x_hex():
                processed = event.process_log(log)
                return processed["event"], {k: _plain(v) for k, v in processed["args"].items()}
        return None

    def resync_nonces(self) -> None:
        """Asks the node for every sender's nonce again before the next send (after a node outage)."""
        self._nonces.resync_all()

    def call(self, fn: ContractFunction) -> Any:
        """Calls a view function, decoding custom errors."""
        try:
            return fn.call()
        except (ContractCustomError, ContractLogicError) as exc:
            self._errors.raise_for(exc.data)

    def events(self, contract: str, from_block: int = 0) -> list[ChainEvent]:
        """Every event of one of Suyuan's contracts from ``from_block`` on, in chain order."""
        logs = self.w3.eth.get_logs(
            {"address": self.contracts[contract].address, "fromBlock": from_block, "toBlock": "latest"}
        )
        return self._decode_logs(list(logs))

    def events_about(self, contract: str, topic: bytes, from_block: int = 0) -> list[ChainEvent]:
        """Events of one contract whose first or second indexed argument is ``topic``, in chain order."""
        address = self.contracts[contract].address
        word = HexBytes(topic).to_0x_hex()
        logs = [
            *self.w3.eth.get_logs(
                {"address": address, "fromBlock": from_block, "toBlock": "latest", "topics": [None, word]}
            ),
            *self.w3.eth.get_logs(
                {
                    "address": address,
                    "fromBlock": from_block,
                    "toBlock": "latest",
                    "topics": [None, None, word],
                }
            ),
        ]
        logs.sort(key=lambda log: (log["blockNumber"], log["logIndex"]))
        return self._decode_logs(logs)
