"""Model folders are signed at save and verified before any of their files is read.

SDV saves its synthesizers with cloudpickle, and unpickling runs code. A model folder is
therefore trusted only if this installation wrote it: :func:`sign` records the SHA-256 of every
file and a keyed digest (HMAC-SHA256) over that list; :func:`verify` recomputes both and refuses
the folder on any difference (a changed, missing, added or foreign file) before ``model.json``
is parsed or a pickle is opened. The key is a per-installation secret kept outside every output
folder, so a planted or edited folder cannot carry a valid signature.

Key: ``SYNTH_MODEL_KEY`` (hex) when set, e.g. to share models between a team's machines; else
the file ``SYNTH_KEY_FILE``, default ``~/.config/synth/model.key``, created on first use with
mode 0600.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from synth.errors import ModelError

SIGNATURE_FILE = "integrity.json"
_CHUNK = 1 << 20


def key_file() -> Path:
    """Where this installation's model key lives."""
    configured = os.environ.get("SYNTH_KEY_FILE")
    if configured:
        return Path(configured).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "synth" / "model.key"


def installation_key() -> bytes:
    """The secret that signs model folders; created (0600, race-free) on first use."""
    given = os.environ.get("SYNTH_MODEL_KEY")
    if given:
        try:
            key = bytes.fromhex(given)
        except ValueError:
            raise ModelError("SYNTH_MODEL_KEY: not a hex string") from None
        if len(key) < 16:
            raise ModelError("SYNTH_MODEL_KEY: at least 16 bytes (32 hex digits) are needed")
        return key
    path = key_file()
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(handle, "w") as file:
                file.write(secrets.token_hex(32) + "\n")
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        raise ModelError(f"{path}: the model key file is unreadable; remove it to make a new one") from None


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _listing(directory: Path) -> dict[str, str]:
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.name != SIGNATURE_FILE)
    return {p.relative_to(directory).as_posix(): _digest(p) for p in files}


def _mac(key: bytes, listing: dict[str, str]) -> str:
    payload = json.dumps(listing, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def sign(directory: Path) -> None:
    """Write ``integrity.json``: every file's SHA-256 and the keyed digest over them."""
    directory = Path(directory)
    listing = _listing(directory)
    signature = {"version": 1, "files": listing, "hmac": _mac(installation_key(), listing)}
    (directory / SIGNATURE_FILE).write_text(json.dumps(signature, indent=2, sort_keys=True))


def verify(directory: Path) -> None:
    """Refuse ``directory`` unless this installation signed exactly its current files.

    Raises :class:`ModelError` naming the folder and the first file at fault; reads no file
    other than the signature and the bytes it hashes.
    """
    directory = Path(directory)
    signed = directory / SIGNATURE_FILE
    if not signed.is_file():
        raise ModelError(
            f"{directory}: not signed by this installation (no {SIGNATURE_FILE}); "
            "refit the model here, or share the key (SYNTH_MODEL_KEY) with the machine that saved it"
        )
    try:
        signature = json.loads(signed.read_text())
        listing, mac = signature["files"], signature["hmac"]
        valid = isinstance(listing, dict) and isinstance(mac, str)
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
        valid = False
    if not valid:
        raise ModelError(f"{signed}: not a valid signature file; nothing was loaded")
    if not hmac.compare_digest(_mac(installation_key(), listing), mac):
        raise ModelError(
            f"{directory}: the signature does not match this installation's key (saved elsewhere, "
            "or edited); nothing was loaded"
        )
    present = _listing(directory)
    for name in sorted(set(listing) | set(present)):
        if name not in present:
            raise ModelError(f"{directory}: {name} is missing; nothing was loaded")
        if name not in listing:
            raise ModelError(f"{directory}: {name} was added after the model was saved; nothing was loaded")
        if present[name] != listing[name]:
            raise ModelError(f"{directory}: {name} changed after the model was saved; nothing was loaded")
