"""C2SP tlog-checkpoint bodies and C2SP signed-note signatures with Ed25519.

Besides round trips and tampering, the signer is checked byte for byte against the example
of golang.org/x/mod/sumdb/note, and the verifier against a checkpoint signed by
sum.golang.org, so that Go-ecosystem witnesses and verifiers accept our notes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from evidence import (
    Checkpoint,
    CheckpointError,
    NoteSigner,
    NoteVerifier,
    SignatureError,
    generate_signing_key,
    load_signing_key,
    parse_checkpoint,
    save_signing_key,
)

ORIGIN = "suyuan.example/ledger"
ROOT = hashlib.sha256(b"root").digest()
OTHER_ROOT = hashlib.sha256(b"other root").digest()
CHECKPOINT = Checkpoint(ORIGIN, 5, ROOT)

# The example of golang.org/x/mod/sumdb/note's package documentation.
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_PUBLIC_KEY = "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_VERIFIER_KEY = f"PeterNeumann+c74f20a3+{GO_PUBLIC_KEY}"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_SIGNATURE = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
GO_NOTE = f"{GO_TEXT}\n— PeterNeumann {GO_SIGNATURE}\n"

# Go's checksum database key, and a tree head it signed (from golang.org/x/mod's tests).
SUMDB_VERIFIER_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_NOTE = (
    "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n"
    "— sum.golang.org "
    "Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n"
)


def _fixed_key(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


def _spec_key_hash(name: str, key: Ed25519PrivateKey) -> bytes:
    public_key = key.public_key().public_bytes_raw()
    return hashlib.sha256(name.encode() + b"\x0a" + b"\x01" + public_key).digest()[:4]


def _go_signing_key() -> Ed25519PrivateKey:
    encoded = GO_SIGNER_KEY.split("+", 4)[4]
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(encoded)[1:])


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner(_fixed_key(1), ORIGIN)


@pytest.fixture
def verifier(signer: NoteSigner) -> NoteVerifier:
    return NoteVerifier(signer.verifier_key())


def test_checkpoint_body_is_origin_size_and_base64_root() -> None:
    root = base64.b64encode(ROOT).decode()
    assert CHECKPOINT.body() == f"{ORIGIN}\n5\n{root}\n"


def test_checkpoint_body_keeps_extension_lines_after_the_root() -> None:
    checkpoint = Checkpoint(ORIGIN, 0, ROOT, ("Timestamp: 1700000000",))
    assert checkpoint.body().endswith("=\nTimestamp: 1700000000\n")


@pytest.mark.parametrize(
    ("origin", "size", "root", "extensions"),
    [
        ("", 1, ROOT, ()),
        ("two\nlines", 1, ROOT, ()),
        (ORIGIN, -1, ROOT, ()),
        (ORIGIN, 2**64, ROOT, ()),
        (ORIGIN, 1, ROOT[:31], ()),
        (ORIGIN, 1, ROOT, ("",)),
        (ORIGIN, 1, ROOT, ("tab\there",)),
    ],
)
def test_checkpoint_rejects_invalid_fields(
    origin: str, size: int, root: bytes, extensions: tuple[str, ...]
) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint(origin, size, root, extensions)


def test_note_signer_sign_round_trips_through_verifier(signer: NoteSigner, verifier: NoteVerifier) -> None:
    assert verifier.verify(signer.sign(CHECKPOINT)) == CHECKPOINT


def test_note_signer_sign_round_trips_extension_lines(signer: NoteSigner, verifier: NoteVerifier) -> None:
    checkpoint = Checkpoint(ORIGIN, 2**64 - 1, ROOT, ("first extension", "second extension"))
    assert verifier.verify(signer.sign(checkpoint)) == checkpoint


def test_note_signer_sign_appends_em_dash_line_with_key_hash_and_signature(signer: NoteSigner) -> None:
    note = signer.sign(CHECKPOINT)
    body, signature_line = note.split("\n\n")
    assert body + "\n" == CHECKPOINT.body()
    match = re.fullmatch(f"\u2014 {re.escape(ORIGIN)} ([A-Za-z0-9+/=]+)\n", signature_line)
    assert match is not None
    raw = base64.b64decode(match.group(1))
    assert len(raw) == 4 + 64
    assert raw[:4] == _spec_key_hash(ORIGIN, _fixed_key(1))
    _fixed_key(1).public_key().verify(raw[4:], CHECKPOINT.body().encode())


def test_note_signer_verifier_key_is_name_hex_hash_and_typed_key(signer: NoteSigner) -> None:
    name, key_hash, encoded = signer.verifier_key().split("+", 2)
    assert name == ORIGIN
    assert key_hash == _spec_key_hash(ORIGIN, _fixed_key(1)).hex()
    assert re.fullmatch("[0-9a-f]{8}", key_hash)
    assert base64.b64decode(encoded) == b"\x01" + _fixed_key(1).public_key().public_bytes_raw()


def test_note_signer_key_hash_matches_spec_formula_and_go_example() -> None:
    key = _go_signing_key()
    expected = _spec_key_hash("PeterNeumann", key)
    assert expected.hex() == "c74f20a3"
    assert NoteSigner(key, "PeterNeumann").key_hash == expected


def test_note_signer_reproduces_go_sumdb_note_example() -> None:
    signer = NoteSigner(_go_signing_key(), "PeterNeumann")
    assert signer.verifier_key() == GO_VERIFIER_KEY
    assert signer.sign_text(GO_TEXT) == GO_NOTE


def test_note_verifier_verify_text_accepts_go_sumdb_note_example() -> None:
    assert NoteVerifier(GO_VERIFIER_KEY).verify_text(GO_NOTE) == GO_TEXT


def test_note_verifier_accepts_checkpoint_signed_by_sum_golang_org() -> None:
    checkpoint = NoteVerifier(SUMDB_VERIFIER_KEY).verify(SUMDB_NOTE)
    assert checkpoint.origin == "go.sum database tree"
    assert checkpoint.size == 6476701
    assert checkpoint.root_hash == base64.b64decode("mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=")


def _retarget_size(note: str) -> str:
    return note.replace("\n5\n", "\n6\n", 1)


def _retarget_root(note: str) -> str:
    return note.replace(base64.b64encode(ROOT).decode(), base64.b64encode(OTHER_ROOT).decode(), 1)


def _retarget_origin(note: str) -> str:
    return note.replace(ORIGIN, "evil.example/ledger", 1)


@pytest.mark.parametrize("tamper", [_retarget_size, _retarget_root, _retarget_origin])
def test_note_verifier_rejects_tampered_checkpoint(
    signer: NoteSigner, verifier: NoteVerifier, tamper: Callable[[str], str]
) -> None:
    note = tamper(signer.sign(CHECKPOINT))
    assert note != signer.sign(CHECKPOINT)
    with pytest.raises(SignatureError, match="does not verify"):
        verifier.verify(note)


def test_note_verifier_rejects_signature_by_other_key_of_same_name(verifier: NoteVerifier) -> None:
    note = NoteSigner(_fixed_key(2), ORIGIN).sign(CHECKPOINT)
    with pytest.raises(SignatureError, match="no signature by key"):
        verifier.verify(note)


def test_note_verifier_rejects_forged_signature_with_right_key_hash(
    signer: NoteSigner, verifier: NoteVerifier
) -> None:
    forged = _fixed_key(2).sign(CHECKPOINT.body().encode())
    note = f"{CHECKPOINT.body()}\n— {ORIGIN} {base64.b64encode(signer.key_hash + forged).decode()}\n"
    with pytest.raises(SignatureError, match="does not verify"):
        verifier.verify(note)


def test_note_verifier_accepts_note_cosigned_by_unknown_keys(
    signer: NoteSigner, verifier: NoteVerifier
) -> None:
    witness = NoteSigner(_fixed_key(3), "witness.example")
    cosigned = witness.sign(CHECKPOINT) + signer.sign(CHECKPOINT).split("\n\n")[1]
    assert verifier.verify(cosigned) == CHECKPOINT


def _signature_block(signer: NoteSigner) -> str:
    return signer.sign(CHECKPOINT).split("\n\n")[1]


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda note: note.replace("\n\n", "\n"), id="missing-blank-line"),
        pytest.param(lambda note: note.split("\n\n")[0] + "\n\n", id="no-signature-lines"),
        pytest.param(lambda note: note[:-1], id="no-final-newline"),
        pytest.param(lambda note: note.replace("\u2014", "-"), id="hyphen-not-em-dash"),
        pytest.param(lambda note: note.replace("\u2014 ", "\u2014"), id="no-space-after-dash"),
        pytest.param(lambda note: note[:-3] + "!=\n", id="bad-base64"),
        pytest.param(lambda note: note[:-2] + "\n", id="unpadded-base64"),
        pytest.param(lambda note: note.replace("\n5\n", "\n5\r\n"), id="control-character"),
        pytest.param(lambda note: note + "— k AAAA\n", id="signature-too-short"),
        pytest.param(lambda note: note + "— k+ey " + note.split(" ")[-1], id="plus-in-key-name"),
    ],
)
def test_note_verifier_rejects_malformed_note(
    signer: NoteSigner, verifier: NoteVerifier, mangle: Callable[[str], str]
) -> None:
    with pytest.raises(CheckpointError):
        verifier.verify(mangle(signer.sign(CHECKPOINT)))


def test_note_verifier_rejects_more_than_a_hundred_signatures(
    signer: NoteSigner, verifier: NoteVerifier
) -> None:
    note = signer.sign(CHECKPOINT) + _signature_block(signer) * 100
    with pytest.raises(CheckpointError, match="more than 100"):
        verifier.verify(note)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(f"{ORIGIN}\n5\n", id="missing-root-line"),
        pytest.param(f"{ORIGIN}\nfive\n{base64.b64encode(ROOT).decode()}\n", id="size-not-decimal"),
        pytest.param(f"{ORIGIN}\n05\n{base64.b64encode(ROOT).decode()}\n", id="size-leading-zero"),
        pytest.param(f"{ORIGIN}\n+5\n{base64.b64encode(ROOT).decode()}\n", id="size-with-sign"),
        pytest.param(f"{ORIGIN}\n\u0665\n{base64.b64encode(ROOT).decode()}\n", id="size-arabic-digit"),
        pytest.param(f"{ORIGIN}\n5\n{base64.b64encode(ROOT[:31]).decode()}\n", id="root-31-bytes"),
        pytest.param(f"{ORIGIN}\n5\nnot base64!\n", id="root-not-base64"),
        pytest.param(f"\n5\n{base64.b64encode(ROOT).decode()}\n", id="empty-origin"),
    ],
)
def test_note_verifier_rejects_validly_signed_malformed_checkpoint(
    signer: NoteSigner, verifier: NoteVerifier, body: str
) -> None:
    note = signer.sign_text(body)
    assert verifier.verify_text(note) == body
    with pytest.raises(CheckpointError) as caught:
        verifier.verify(note)
    assert not isinstance(caught.value, SignatureError)


def test_parse_checkpoint_reads_body_and_extensions_without_checking_signatures() -> None:
    checkpoint = Checkpoint(ORIGIN, 42, ROOT, ("extension",))
    note = NoteSigner(_fixed_key(9), "anyone").sign(checkpoint)
    assert parse_checkpoint(note) == checkpoint


def test_parse_checkpoint_rejects_note_without_signatures() -> None:
    with pytest.raises(CheckpointError, match="blank line"):
        parse_checkpoint(CHECKPOINT.body())


@pytest.mark.parametrize(
    "verifier_key",
    [
        pytest.param(f"PeterNeumann+c74f20a4+{GO_PUBLIC_KEY}", id="wrong-key-hash"),
        pytest.param("PeterNeumann+c74f20a3", id="missing-key"),
        pytest.param(f"PeterNeumann+c74f20+{GO_PUBLIC_KEY}", id="short-hash"),
        pytest.param(f"PeterNeumann+c74f20a3+{GO_PUBLIC_KEY}"[:-1], id="bad-base64"),
        pytest.param(f"Peter Neumann+c74f20a3+{GO_PUBLIC_KEY}", id="space-in-name"),
        pytest.param(f"PeterNeumann+c74f20a3+{GO_PUBLIC_KEY[:-4]}", id="short-key"),
        pytest.param(
            "PeterNeumann+c74f20a3+"
            + base64.b64encode(b"\x02" + base64.b64decode(GO_PUBLIC_KEY)[1:]).decode(),
            id="wrong-algorithm",
        ),
    ],
)
def test_note_verifier_rejects_malformed_verifier_key(verifier_key: str) -> None:
    with pytest.raises(SignatureError):
        NoteVerifier(verifier_key)


def test_note_signer_rejects_key_name_with_plus() -> None:
    with pytest.raises(SignatureError, match="invalid key name"):
        NoteSigner(_fixed_key(1), "a+b")


def test_note_signer_sign_text_rejects_text_without_final_newline(signer: NoteSigner) -> None:
    with pytest.raises(CheckpointError, match="end with a newline"):
        signer.sign_text("no newline")


def test_save_signing_key_writes_owner_only_pem_that_loads_back(tmp_path: Path) -> None:
    key = generate_signing_key()
    path = tmp_path / "log.pem"
    save_signing_key(path, key)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    loaded = load_signing_key(path)
    assert loaded.public_key().public_bytes_raw() == key.public_key().public_bytes_raw()


def test_save_signing_key_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "log.pem"
    save_signing_key(path, generate_signing_key())
    with pytest.raises(FileExistsError):
        save_signing_key(path, generate_signing_key())


def test_load_signing_key_rejects_non_ed25519_key(tmp_path: Path) -> None:
    path = tmp_path / "ec.pem"
    pem = generate_private_key(SECP256R1()).private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.write_bytes(pem)
    with pytest.raises(SignatureError, match="not an Ed25519 key"):
        load_signing_key(path)


def test_load_signing_key_rejects_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.pem"
    path.write_bytes(b"not a key")
    with pytest.raises(SignatureError, match="no unencrypted PEM private key"):
        load_signing_key(path)
