"""Device MQTT passwords, hashed the way Mosquitto 2 stores them (``mosquitto_passwd``'s ``$7$``).

``$7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512>``: the registry keeps only this hash,
so the broker's password file can be written from the registry at any time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

# mosquitto_passwd 2.0 defaults: 101 rounds, a 12-byte salt, a 64-byte SHA-512 derived key,
# both written in standard base64 with padding. Device secrets are random, not human-chosen,
# so the low round count does not make them guessable.
DEFAULT_ITERATIONS = 101
_SALT_BYTES = 12
_DIGEST_BYTES = 64
_PBKDF2_PREFIX = "$7$"


def new_password() -> str:
    return secrets.token_urlsafe(24)


def password_hash(password: str, *, salt: bytes | None = None, iterations: int = DEFAULT_ITERATIONS) -> str:
    """Hash ``password`` as ``mosquitto_passwd`` 2.x does: ``$7$<iterations>$<salt>$<hash>``."""
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1, not {iterations}")
    if salt is None:
        salt = secrets.token_bytes(_SALT_BYTES)
    if len(salt) != _SALT_BYTES:
        # Mosquitto 2.0 drops a password file entry whose salt has any other length.
        raise ValueError(f"salt must be {_SALT_BYTES} bytes, not {len(salt)}")
    derived = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    return f"{_PBKDF2_PREFIX}{iterations}${_b64(salt)}${_b64(derived)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches a ``$7$`` hash; the digests are compared in constant time.

    Raises ValueError when ``encoded`` is not a well-formed ``$7$`` hash: that is a broken
    password file, not a wrong password.
    """
    iterations, salt, expected = _parse_pbkdf2(encoded)
    derived = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(derived, expected)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _parse_pbkdf2(encoded: str) -> tuple[int, bytes, bytes]:
    parts = encoded.split("$")
    # "$7$101$salt$hash" splits into ["", "7", "101", "salt", "hash"].
    if len(parts) != 5 or parts[0] or parts[1] != "7" or not parts[2].isdigit():
        raise ValueError("not a mosquitto $7$ (PBKDF2-SHA512) password hash")
    try:
        salt = base64.b64decode(parts[3], validate=True)
        expected = base64.b64decode(parts[4], validate=True)
    except binascii.Error as exc:
        raise ValueError("mosquitto $7$ password hash has invalid base64") from exc
    iterations = int(parts[2])
    # The lengths Mosquitto 2.0 insists on when it loads the password file.
    if iterations < 1 or len(salt) != _SALT_BYTES or len(expected) != _DIGEST_BYTES:
        raise ValueError("mosquitto $7$ password hash needs rounds, a 12-byte salt and a 64-byte digest")
    return iterations, salt, expected
