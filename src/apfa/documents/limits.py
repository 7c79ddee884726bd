"""The parser limits that keep a hostile file from being inflated (Settings.upload_*)."""

from __future__ import annotations

from dataclasses import dataclass

from apfa.core.config import Settings


@dataclass(frozen=True)
class ExtractionLimits:
    max_pages: int
    max_chars: int
    max_decompressed_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractionLimits:
        return cls(
            max_pages=settings.upload_max_pdf_pages,
            max_chars=settings.upload_max_extracted_chars,
            max_decompressed_bytes=settings.upload_max_decompressed_bytes,
        )
