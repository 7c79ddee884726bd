"""Why an upload or a stored document is refused, with the HTTP status it maps to."""

from __future__ import annotations

from typing import ClassVar

from apfa.core.errors import AppError

TOO_LARGE = "too_large"
EMPTY = "empty"
UNSUPPORTED_TYPE = "unsupported_type"
INVALID_FILENAME = "invalid_filename"
LIMIT_EXCEEDED = "limit_exceeded"
MALFORMED = "malformed"
NO_TEXT = "no_text"
DUPLICATE = "duplicate"

_STATUS = {TOO_LARGE: 413, UNSUPPORTED_TYPE: 415}


class Rejection(Exception):
    """A file that will never be accepted as it is: the reason is stored with it."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail

    @property
    def http_status(self) -> int:
        return status_for(self.code)


def status_for(code: str | None) -> int:
    """413 for size, 415 for type, 422 for every other refusal."""
    return _STATUS.get(code or "", 422)


class MalformedUpload(AppError):
    """The request body is not a readable multipart/form-data stream."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"


class TooManyFiles(AppError):
    status_code: ClassVar[int] = 413
    code: ClassVar[str] = "payload_too_large"


class NoFiles(AppError):
    status_code: ClassVar[int] = 422
    code: ClassVar[str] = "validation_error"


class StorageUnavailable(AppError):
    """The object store holding originals could not take this one."""

    status_code: ClassVar[int] = 503
    code: ClassVar[str] = "unavailable"
