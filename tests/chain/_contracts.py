"""Helpers shared by the contract tests: exact reverts, emitted events, network members by name."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from chain import ContractRevert, TxResult
from tests.conftest import Network


@contextmanager
def reverts(error_name: str, **error_args: Any) -> Iterator[pytest.ExceptionInfo[ContractRevert]]:
    """Expects a revert with exactly this custom error and these arguments."""
    with pytest.raises(ContractRevert) as caught:
        yield caught
    assert (caught.value.error_name, caught.value.error_args) == (error_name, error_args)


def emitted_by(contract: str, result: TxResult) -> list[tuple[str, dict[str, Any]]]:
    """Every event of the transaction, in log order; all must come from ``contract``."""
    assert {event.contract for event in result.events} == {contract}
    return [(event.name, event.args) for event in result.events]


def member(network: Network, name: str) -> LocalAccount:
    account: LocalAccount = getattr(network, name)
    return account
