"""The verdict on one received part: its clean name and media type, or why it is refused.
Order: name, size, emptiness, then content (signatures, text check, PDF structure)."""

from __future__ import annotations

from dataclasses import dataclass

from apfa.documents.exceptions import EMPTY, TOO_LARGE, Rejection
from apfa.documents.filenames import clean_filename, display_name
from apfa.documents.limits import ExtractionLimits
from apfa.documents.pdf import check_pdf
from apfa.documents.receiving import ReceivedFile
from apfa.documents.sniffing import PDF, detect


@dataclass(frozen=True)
class Verdict:
    filename: str
    media_type: str | None = None
    rejection: Rejection | None = None


def classify(received: ReceivedFile, max_file_bytes: int, limits: ExtractionLimits) -> Verdict:
    """Blocking (a PDF is opened): run in a worker thread."""
    try:
        name = clean_filename(received.raw_filename)
    except Rejection as rejection:
        return Verdict(display_name(received.raw_filename), rejection=rejection)
    if received.too_large:
        detail = f"the file is {received.size} bytes; the limit is {max_file_bytes} bytes"
        return Verdict(name, rejection=Rejection(TOO_LARGE, detail))
    if received.size == 0 or received.incoming is None:
        return Verdict(name, rejection=Rejection(EMPTY, "the file is empty"))
    try:
        media_type = detect(bytes(received.head), name, received.probe.error)
        if media_type == PDF:
            check_pdf(received.incoming.path, limits)
    except Rejection as rejection:
        return Verdict(name, rejection=rejection)
    return Verdict(name, media_type)
