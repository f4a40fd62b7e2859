"""A full disk is recognised by the error's code, not its words, on every store the API uses."""

from __future__ import annotations

import errno
import sqlite3

from sqlalchemy.exc import OperationalError

from grader.service.api.errors import database_error, disk_full


def _sqlite(code: int) -> OperationalError:
    orig = sqlite3.OperationalError("any text")
    orig.sqlite_errorcode = code
    return OperationalError("INSERT ...", {}, orig)


class PgError(Exception):
    sqlstate = "53100"


def test_sqlite_full_by_its_code():
    assert disk_full(_sqlite(sqlite3.SQLITE_FULL))
    assert database_error(_sqlite(sqlite3.SQLITE_FULL))[0] == 507
    assert not disk_full(_sqlite(sqlite3.SQLITE_BUSY))
    assert database_error(_sqlite(sqlite3.SQLITE_BUSY))[0] == 503


def test_postgres_disk_full_and_enospc_anywhere_in_the_chain():
    assert disk_full(OperationalError("INSERT ...", {}, PgError("could not extend file")))
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("writing the cache failed") from inner
    except RuntimeError as exc:
        assert disk_full(exc)
    assert not disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not disk_full(RuntimeError("database or disk is full"))  # words alone are not a code
