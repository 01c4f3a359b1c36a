"""Checkpoints (C2SP tlog-checkpoint) signed as notes (C2SP signed-note) with Ed25519.

A checkpoint body is "<origin>\\n<tree size>\\n<base64 root hash>\\n", optionally followed by
extension lines. A signed note is the text, a blank line, then signature lines
"— <key name> <base64(key hash || signature)>\\n". For Ed25519 the key hash is the first four
bytes of SHA-256(key name || 0x0A || 0x01 || public key), and a verifier key is written
"<name>+<hex key hash>+<base64(0x01 || public key)>".
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from ._errors import CheckpointError, SignatureError

ED25519_ALGORITHM = 0x01
ROOT_HASH_SIZE = 32
_MAX_TREE_SIZE = 2**64 - 1
_MAX_SIGNATURES = 100  # as golang.org/x/mod/sumdb/note, to bound the work on hostile notes
_SIGNATURE_PREFIX = "— "  # U+2014 em dash, then a space
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_KEY_HASH_HEX = re.compile(r"[0-9a-fA-F]{8}")


@dataclass(frozen=True)
class Checkpoint:
    """A log's commitment to its first `size` entries, whose Merkle root is `root_hash`."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_line("origin", self.origin)
        for line in self.extensions:
            _require_line("extension line", line)
        if not 0 <= self.size <= _MAX_TREE_SIZE:
            raise CheckpointError(f"tree size {self.size} is outside 0..2^64-1")
        if len(self.root_hash) != ROOT_HASH_SIZE:
            raise CheckpointError(f"root hash has {len(self.root_hash)} bytes, not {ROOT_HASH_SIZE}")

    def body(self) -> str:
        """The note text that a log signs."""
        lines = [self.origin, str(self.size), _b64encode(self.root_hash), *self.extensions]
        return "".join(f"{line}\n" for line in lines)


class _SignatureLine(NamedTuple):
    name: str
    key_hash: bytes
    signature: bytes


class NoteSigner:
    """Signs note texts and checkpoints with one named Ed25519 key."""

    def __init__(self, key: Ed25519PrivateKey, name: str) -> None:
        if not _is_valid_key_name(name):
            raise SignatureError(f"invalid key name {name!r}: it must be non-empty, without spaces or '+'")
        self._key = key
        self._public_key = key.public_key().public_bytes_raw()
        self.name = name
        self.key_hash = _key_hash(name, self._public_key)

    def verifier_key(self) -> str:
        """The vkey string that a :class:`NoteVerifier` for this signer is built from."""
        encoded_key = _b64encode(bytes([ED25519_ALGORITHM]) + self._public_key)
        return f"{self.name}+{self.key_hash.hex()}+{encoded_key}"

    def sign_text(self, text: str) -> str:
        """The signed note for text, which must end with a newline."""
        _require_note_text(text)
        signature = self._key.sign(text.encode())
        return f"{text}\n{_SIGNATURE_PREFIX}{self.name} {_b64encode(self.key_hash + signature)}\n"

    def sign(self, checkpoint: Checkpoint) -> str:
        """The signed note of the checkpoint's body."""
        return self.sign_text(checkpoint.body())


class NoteVerifier:
    """Checks notes against one Ed25519 verifier key; signatures by other keys are ignored."""

    def __init__(self, verifier_key: str) -> None:
        self.name, self.key_hash, self._public_key = _parse_verifier_key(verifier_key)

    def verify_text(self, note_text: str) -> str:
        """The text of a signed note, once a signature by this key verifies over it."""
        text, signatures = _split_note(note_text)
        mine = [line for line in signatures if (line.name, line.key_hash) == (self.name, self.key_hash)]
        if not mine:
            raise SignatureError(f"note has no signature by key {self.name}+{self.key_hash.hex()}")
        for line in mine:
            self._check(text, line.signature)
        return text

    def verify(self, note_text: str) -> Checkpoint:
        """The checkpoint in a signed note, once a signature by this key verifies over it."""
        return _parse_body(self.verify_text(note_text))

    def _check(self, text: str, signature: bytes) -> None:
        try:
            self._public_key.verify(signature, text.encode())
        except InvalidSignature as exc:
            raise SignatureError(f"signature by {self.name} does not verify over the note text") from exc


def parse_checkpoint(note_text: str) -> Checkpoint:
    """The checkpoint in a signed note, without checking any signature."""
    text, _ = _split_note(note_text)
    return _parse_body(text)


def generate_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def save_signing_key(path: str | os.PathLike[str], key: Ed25519PrivateKey) -> None:
    """Writes the key as unencrypted PKCS#8 PEM to a new file of mode 0600.

    Refuses to overwrite an existing file (FileExistsError): a log that loses its key can
    no longer extend its checkpoints.
    """
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(pem)


def load_signing_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """Reads an unencrypted PEM Ed25519 private key."""
    with open(path, "rb") as file:
        pem = file.read()
    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"{os.fspath(path)!r} holds no unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"{os.fspath(path)!r} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def _key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519_ALGORITHM]) + public_key).digest()[:4]


def _parse_verifier_key(verifier_key: str) -> tuple[str, bytes, Ed25519PublicKey]:
    parts = verifier_key.split("+", 2)  # the base64 key may itself contain '+'
    if len(parts) != 3 or not _is_valid_key_name(parts[0]) or not _KEY_HASH_HEX.fullmatch(parts[1]):
        raise SignatureError(f"verifier key {verifier_key!r} is not <name>+<8 hex digits>+<base64 key>")
    name, key_hash = parts[0], bytes.fromhex(parts[1])
    encoded = _b64decode(parts[2], "verifier key", SignatureError)
    if len(encoded) != 33 or encoded[0] != ED25519_ALGORITHM:
        raise SignatureError(f"verifier key {name} is not an Ed25519 key (type 0x01, 32 bytes)")
    if _key_hash(name, encoded[1:]) != key_hash:
        raise SignatureError(f"verifier key {name}: key hash {parts[1]} does not match the key")
    try:
        public_key = Ed25519PublicKey.from_public_bytes(encoded[1:])
    except ValueError as exc:
        raise SignatureError(f"verifier key {name} holds no valid Ed25519 public key") from exc
    return name, key_hash, public_key


def _split_note(note_text: str) -> tuple[str, list[_SignatureLine]]:
    """Separates a signed note into its text and its signature lines (C2SP signed-note)."""
    _require_note_characters(note_text)
    split = note_text.rfind("\n\n")
    if split < 0:
        raise CheckpointError("note has no blank line before its signatures")
    text, block = note_text[: split + 1], note_text[split + 2 :]
    if not block.endswith("\n"):
        raise CheckpointError("note's signature block is empty or does not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise CheckpointError(f"note has {len(lines)} signatures, more than {_MAX_SIGNATURES}")
    return text, [_parse_signature_line(line) for line in lines]


def _parse_signature_line(line: str) -> _SignatureLine:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise CheckpointError(f"signature line {line!r} does not start with an em dash and a space")
    name, _, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    if not _is_valid_key_name(name) or not encoded:
        raise CheckpointError(f"signature line {line!r} is not '— <key name> <base64>'")
    raw = _b64decode(encoded, "signature")
    if len(raw) < 5:
        raise CheckpointError(f"signature by {name} is too short to hold a key hash and a signature")
    return _SignatureLine(name, raw[:4], raw[4:])


def _parse_body(text: str) -> Checkpoint:
    """The checkpoint in a note text (C2SP tlog-checkpoint); text ends with a newline."""
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("checkpoint needs an origin, a tree size and a root hash line")
    origin, size, root_hash, *extensions = lines
    if not _DECIMAL.fullmatch(size):
        raise CheckpointError(f"tree size {size!r} is not a decimal number without leading zeros")
    return Checkpoint(origin, int(size), _b64decode(root_hash, "root hash"), tuple(extensions))


def _require_note_text(text: str) -> None:
    _require_note_characters(text)
    if not text.endswith("\n"):
        raise CheckpointError("note text must be non-empty and end with a newline")


def _require_note_characters(text: str) -> None:
    try:
        text.encode()
    except UnicodeEncodeError as exc:
        raise CheckpointError("note is not valid UTF-8") from exc
    if any(ord(char) < 0x20 and char != "\n" for char in text):
        raise CheckpointError("note contains a control character other than newline")


def _require_line(what: str, line: str) -> None:
    if not line or any(ord(char) < 0x20 for char in line):
        raise CheckpointError(f"{what} {line!r} is empty or holds a control character")


def _is_valid_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(char.isspace() for char in name)


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str, what: str, error: type[CheckpointError] = CheckpointError) -> bytes:
    """Strict standard base64: padded, no stray characters, and canonical."""
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise error(f"{what} is not valid base64") from exc
    if _b64encode(raw) != text:
        raise error(f"{what} is not canonical base64")
    return raw
