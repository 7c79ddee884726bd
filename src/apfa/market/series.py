"""The market series APFA knows (``data/series.yaml``), validated when loaded."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

Frequency = Literal["daily", "weekly", "monthly"]
Source = Literal["fred", "treasury", "computed"]

# The series computed here rather than fetched: 12-month CPI inflation from CPIAUCSL.
CPI = "CPIAUCSL"
INFLATION = "CPI_INFLATION_12M"
# Where the Treasury's par yield curve puts the yields stored under FRED's names.
TREASURY_FIELDS: dict[str, str] = {"BC_2YEAR": "DGS2", "BC_10YEAR": "DGS10"}
TREASURY_CSV_COLUMNS: dict[str, str] = {"2 Yr": "DGS2", "10 Yr": "DGS10"}
SOURCE_NAMES: dict[str, str] = {
    "fred": "FRED (Federal Reserve Bank of St. Louis)",
    "treasury": "U.S. Treasury daily par yield curve rates",
    "computed": "computed by APFA from FRED CPIAUCSL",
}


class SeriesInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Z0-9_]{1,32}$")
    title: str
    publisher: str
    frequency: Frequency
    unit: Literal["percent", "index"]
    sources: tuple[Source, ...]
    cues: tuple[str, ...] = ()
    strict: bool = False  # only "now", "today", "current"... ask for the current figure

    @field_validator("cues")
    @classmethod
    def _compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cue in value:
            re.compile(cue)
        return value

    def fetched_from_fred(self) -> bool:
        return "fred" in self.sources


class SeriesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    series: tuple[SeriesInfo, ...]


@cache
def catalogue() -> dict[str, SeriesInfo]:
    """Every series by id, in the file's order."""
    text = resources.files("apfa.market").joinpath("data/series.yaml").read_text("utf-8")
    loaded = SeriesFile.model_validate(yaml.safe_load(text))
    found = {info.id: info for info in loaded.series}
    if len(found) != len(loaded.series):
        raise ValueError("data/series.yaml names a series twice")
    return found


def fred_series() -> list[str]:
    return [info.id for info in catalogue().values() if info.fetched_from_fred()]
