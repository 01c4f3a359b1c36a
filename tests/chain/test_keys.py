"""Encrypted keystores, one per account."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from chain import Keystore, KeystoreError


def test_created_key_is_encrypted_private_and_reloads(tmp_path: Path) -> None:
    store = Keystore(tmp_path, "secret", scrypt_n=2**10)
    account = store.create("importer-1")

    path = tmp_path / "importer-1.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert account.key.hex() not in path.read_text()
    assert json.loads(path.read_text())["crypto"]["kdf"] == "scrypt"
    assert Keystore(tmp_path, "secret").load("importer-1").address == account.address
    assert Keystore(tmp_path, "secret").address("importer-1") == account.address


def test_wrong_password_is_a_clear_error(tmp_path: Path) -> None:
    Keystore(tmp_path, "right", scrypt_n=2**10).create("a")

    with pytest.raises(KeystoreError, match="wrong keystore password"):
        Keystore(tmp_path, "wrong").load("a")


def test_default_password_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    account = Keystore(tmp_path, scrypt_n=2**10).create("a")

    assert stat.S_IMODE((tmp_path / ".password").stat().st_mode) == 0o600
    assert Keystore(tmp_path).load("a").address == account.address


@pytest.mark.parametrize("name", ["", "Upper", "../escape", "a b", "-lead"])
def test_invalid_key_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(KeystoreError, match="invalid key name"):
        Keystore(tmp_path, "x").create(name)


def test_existing_key_is_never_overwritten(tmp_path: Path) -> None:
    store = Keystore(tmp_path, "x", scrypt_n=2**10)
    first = store.create("a")

    with pytest.raises(KeystoreError, match="exists already"):
        store.create("a")
    assert store.load_or_create("a").address == first.address


def test_missing_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(KeystoreError, match="no key named 'ghost'"):
        Keystore(tmp_path, "x").load("ghost")
