"""Encrypted signing keys, one Web3 Secret Storage (v3) keystore per organisation account.

Every transaction is signed locally with these keys; no node ever holds them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from ._errors import KeystoreError

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class Keystore:
    """Keystore files ``<directory>/<name>.json``, encrypted with one password."""

    def __init__(self, directory: Path, password: str | None = None, *, scrypt_n: int = 2**14) -> None:
        self.directory = directory
        self._password = password
        self._scrypt_n = scrypt_n
        self._cache: dict[str, LocalAccount] = {}

    def _secret(self) -> str:
        if self._password is not None:
            return self._password
        # The embedded default keeps a random password beside the keys (mode 0600); production
        # deployments set SUYUAN_KEYSTORE_PASSWORD instead.
        path = self.directory / ".password"
        if not path.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_private(path, secrets.token_urlsafe(32))
        self._password = path.read_text().strip()
        return self._password

    def path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise KeystoreError(f"invalid key name {name!r}: use lowercase letters, digits, '.', '_' or '-'")
        return self.directory / f"{name}.json"

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.json")) if self.directory.is_dir() else []

    def create(self, name: str) -> LocalAccount:
        """Creates a new key. Requires that no key of that name exists."""
        path = self.path(name)
        if path.exists():
            raise KeystoreError(f"key {name!r} exists already at {path}")
        account: LocalAccount = Account.create()
        self.directory.mkdir(parents=True, exist_ok=True)
        encrypted = Account.encrypt(account.key, self._secret(), kdf="scrypt", iterations=self._scrypt_n)
        _write_private(path, json.dumps(encrypted))
        self._cache[name] = account
        return account

    def load(self, name: str) -> LocalAccount:
        if name in self._cache:
            return self._cache[name]
        path = self.path(name)
        if not path.is_file():
            raise KeystoreError(f"no key named {name!r} in {self.directory}")
        try:
            key = Account.decrypt(json.loads(path.read_text()), self._secret())
        except ValueError as exc:
            raise KeystoreError(f"cannot decrypt key {name!r}: wrong keystore password?") from exc
        account: LocalAccount = Account.from_key(key)
        self._cache[name] = account
        return account

    def load_or_create(self, name: str) -> LocalAccount:
        return self.load(name) if self.path(name).exists() else self.create(name)

    def rename(self, name: str, new_name: str) -> None:
        """Moves key ``name`` to ``new_name`` (which must be free), as one rename on disk."""
        source, target = self.path(name), self.path(new_name)
        if not source.is_file():
            raise KeystoreError(f"no key named {name!r} in {self.directory}")
        if target.exists():
            raise KeystoreError(f"key {new_name!r} exists already at {target}")
        source.rename(target)
        account = self._cache.pop(name, None)
        if account is not None:
            self._cache[new_name] = account

    def address(self, name: str) -> str:
        """The key's address, read without decrypting."""
        path = self.path(name)
        if not path.is_file():
            raise KeystoreError(f"no key named {name!r} in {self.directory}")
        return str(self._cache[name].address) if name in self._cache else _address_of(path)


def _address_of(path: Path) -> str:
    return str(Web3.to_checksum_address("0x" + json.loads(path.read_text())["address"]))


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
