"""Reading a candidate's file into a validated Submission, with one clear error for each bad input."""

from __future__ import annotations

from pathlib import Path

from grader.models import Submission


class SubmissionRejected(ValueError):
    """The file cannot be graded; the message is one line for the user. `too_large` says it was
    refused for its size (the API answers 413 for that, 422 for the rest)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def read_submission(path: Path, *, task_id: str, max_kib: int, candidate_id: str | None = None) -> Submission:
    """Read a submission file: it must exist, be readable, UTF-8 and at most max_kib."""
    try:
        if not path.is_file():
            raise SubmissionRejected(f"{path}: no such file")
        size = path.stat().st_size
        if size > max_kib * 1024:
            raise SubmissionRejected(f"{path}: {size} bytes is over the {max_kib} KiB limit", too_large=True)
        data = path.read_bytes()
    except PermissionError:
        raise SubmissionRejected(f"{path}: not readable (permission denied)") from None
    except OSError as exc:
        raise SubmissionRejected(f"{path}: cannot be read ({exc.strerror})") from None
    return parse_submission(data, task_id=task_id, max_kib=max_kib, candidate_id=candidate_id, name=str(path))


def parse_submission(
    data: bytes, *, task_id: str, max_kib: int, candidate_id: str | None = None, name: str = "submission"
) -> Submission:
    """Validate raw bytes as a submission."""
    if len(data) > max_kib * 1024:
        raise SubmissionRejected(f"{name}: {len(data)} bytes is over the {max_kib} KiB limit", too_large=True)
    try:
        code = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionRejected(f"{name}: not UTF-8 text (bad byte at offset {exc.start})") from None
    return Submission(task_id=task_id, code=code, candidate_id=candidate_id)
