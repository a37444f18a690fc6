"""Encryption at rest of the bilan's content, with AES-256-GCM from ``cryptography``.

A value is stored as bytes beginning with a tag: ``P1`` then the plain bytes when the store has
no key, ``E1``, the key's 8-byte fingerprint, a 12-byte random nonce and the ciphertext with
its GCM tag when it has one. The associated data binds a value to its table, column and row,
so that a ciphertext copied to another row or column does not decrypt there.

The key is 32 random bytes, given base64-encoded in ``BILAN_STORE_KEY`` or in the file named by
``BILAN_STORE_KEY_FILE`` (``bilan store new-key`` writes one). The store records the fingerprint
of its key, never the key: without it the content cannot be read, and the message says so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from pathlib import Path

from bilan_core.errors import UsageError
from bilan_core.i18n import _

PLAIN = b"P1"
SEALED = b"E1"
KEY_BYTES = 32
NONCE_BYTES = 12
FINGERPRINT_BYTES = 8


class Cipher:
    """Seals and opens values with one key, or passes them through (tagged) without one."""

    def __init__(self, key: bytes | None) -> None:
        self.key = key
        self.fingerprint = fingerprint(key) if key is not None else None
        self._aead = None
        if key is not None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._aead = AESGCM(key)

    def seal(self, plain: bytes, context: str) -> bytes:
        """The stored form of ``plain`` for the place named by ``context``."""
        if self._aead is None:
            return PLAIN + plain
        assert self.fingerprint is not None
        nonce = secrets.token_bytes(NONCE_BYTES)
        return (SEALED + bytes.fromhex(self.fingerprint) + nonce
                + self._aead.encrypt(nonce, plain, context.encode()))

    def open(self, stored: bytes, context: str) -> bytes:
        """The plain bytes of a stored value, or a :class:`UsageError` saying why not."""
        stored = bytes(stored)
        if stored.startswith(PLAIN):
            return stored[len(PLAIN):]
        if not stored.startswith(SEALED):
            raise UsageError(_("the store holds a value in an unknown format ({where})").format(
                where=context))
        start = len(SEALED)
        mark = stored[start:start + FINGERPRINT_BYTES].hex()
        if self._aead is None:
            raise UsageError(_("the store's content is encrypted and no key was given: set"
                               " BILAN_STORE_KEY or BILAN_STORE_KEY_FILE to its key"
                               " (fingerprint {mark})").format(mark=mark))
        if mark != self.fingerprint:
            raise UsageError(_("this value was encrypted with another key (fingerprint {mark},"
                               " the key given is {given})").format(mark=mark,
                                                                  given=self.fingerprint))
        from cryptography.exceptions import InvalidTag

        body = stored[start + FINGERPRINT_BYTES:]
        try:
            return self._aead.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:],
                                      context.encode())
        except InvalidTag:
            raise UsageError(_("a value of the store fails its integrity check ({where}): it"
                               " was altered or moved").format(where=context)) from None


def fingerprint(key: bytes) -> str:
    """A key's public fingerprint: the first 8 bytes of its SHA-256, in hex."""
    return hashlib.sha256(b"bilan-store-key\0" + key).digest()[:FINGERPRINT_BYTES].hex()


def new_key() -> str:
    """A new random key, base64-encoded, as ``BILAN_STORE_KEY`` takes it."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def decode_key(text: str, where: str) -> bytes:
    """The 32 bytes of a base64 key; a clear error naming where it came from otherwise."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise UsageError(_("{where}: expected a store key, 32 bytes in base64 (bilan store"
                           " new-key writes one)").format(where=where))
    return key


def read_key_file(path: Path) -> bytes:
    """Read a key file, which must be private to its owner."""
    from bilan_core.files import read_input

    raw = read_input(path, "key file", limit=4096)
    info = os.stat(path)
    if info.st_mode & 0o077:
        raise UsageError(_("{path}: a key file must be readable by its owner only (chmod 600)")
                         .format(path=path))
    return decode_key(raw.decode("ascii", "replace"), str(path))


def key_from_environment(environ: dict[str, str] | None = None) -> bytes | None:
    """The key given by ``BILAN_STORE_KEY`` or ``BILAN_STORE_KEY_FILE``, if any."""
    env = os.environ if environ is None else environ
    text = env.get("BILAN_STORE_KEY")
    file = env.get("BILAN_STORE_KEY_FILE")
    if text and file:
        raise UsageError(_("set BILAN_STORE_KEY or BILAN_STORE_KEY_FILE, not both"))
    if text:
        return decode_key(text, "BILAN_STORE_KEY")
    if file:
        return read_key_file(Path(file))
    return None
