"""The secret seed salt: mixed into every hidden input's seed so that nobody can compute the
hidden inputs from the public repository. Generated once (32 random bytes) where every grader of
a deployment reads it: in the database for the service (all workers share it, so regrades agree),
in a 0600 file in the data dir for the CLI. GRADER_SEED_SALT overrides both."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr

FILE_NAME = "seed-salt"


def new_salt() -> str:
    return secrets.token_hex(32)


def file_salt(data_dir: Path) -> str:
    """The salt in DATA_DIR/seed-salt, created 0600 on first use (atomically: concurrent first
    uses agree on one value)."""
    path = Path(data_dir) / FILE_NAME
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(new_salt())
    except OSError:  # e.g. the disk is full: leave no half-written file behind
        tmp.unlink(missing_ok=True)
        raise
    try:
        os.link(tmp, path)  # fails if another process won the race: use its value
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


def resolve(settings, *, store=None):
    """Settings with the deployment's salt filled in: GRADER_SEED_SALT when set, else the
    database's (service) or the data dir's (CLI)."""
    if settings.seed_salt is not None:
        return settings
    salt = store.seed_salt(new_salt) if store is not None else file_salt(settings.data_dir)
    return settings.model_copy(update={"seed_salt": SecretStr(salt)})
