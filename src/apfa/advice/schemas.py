"""The advice request and response, exactly as the API contract describes them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    field_validator,
    model_validator,
)

from apfa.core.text import readable

_ALLOWED = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
# What ``check_text`` accepts, for the OpenAPI document (it does the validating): some
# text that is not space, and no control characters but tabs and line breaks.
TEXT_SCHEMA: dict[str, JsonValue] = {"pattern": rf"^{_ALLOWED}*[^\s\x00-\x1f\x7f]{_ALLOWED}*$"}


def _json_number(value: Any) -> Any:
    """Only numbers are numbers: lax validation would read ``false`` as 0 and ``"5"`` as 5."""
    if isinstance(value, bool | str | bytes):
        raise ValueError("must be a number")
    return value


JsonNumber = BeforeValidator(_json_number)
Money = Annotated[float, Field(ge=0, le=1_000_000_000), JsonNumber]


class LoanType(StrEnum):
    MORTGAGE = "mortgage"
    AUTO = "auto"
    PERSONAL = "personal"
    STUDENT = "student"
    HELOC = "heloc"
    REFINANCE = "refinance"


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    annual_income: Money | None = None
    monthly_debt_payments: Annotated[float, Field(ge=0, le=10_000_000), JsonNumber] | None = None
    credit_score: Annotated[int, Field(ge=300, le=850), JsonNumber] | None = None
    loan_type: LoanType | None = None
    loan_amount: Annotated[float, Field(gt=0, le=1_000_000_000), JsonNumber] | None = None
    home_price: Annotated[float, Field(gt=0, le=10_000_000_000), JsonNumber] | None = None
    down_payment: Money | None = None
    interest_rate: Annotated[float, Field(ge=0, le=30), JsonNumber] | None = None
    term_years: Annotated[int, Field(ge=1, le=50), JsonNumber] | None = None

    @field_validator("*")
    @classmethod
    def _no_negative_zero(cls, value: Any) -> Any:
        # -0 passes ge=0, and would read "$-0.00" in an answer.
        return 0.0 if isinstance(value, float) and value == 0 else value

    @model_validator(mode="after")
    def _down_payment_within_price(self) -> ProfileIn:
        if (
            self.home_price is not None
            and self.down_payment is not None
            and self.down_payment > self.home_price
        ):
            raise ValueError("down_payment cannot exceed home_price")
        return self


QUESTION_MAX_CHARS = 2000


def check_text(value: str, name: str = "query") -> str:
    """``value`` without hidden characters (``core.text``), if it has text and no control
    characters (tabs and line breaks allowed)."""
    return readable(value, name, line_breaks=True)


class LoanQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=QUESTION_MAX_CHARS, json_schema_extra=TEXT_SCHEMA)
    profile: ProfileIn | None = None

    @field_validator("query")
    @classmethod
    def _printable(cls, value: str) -> str:
        return check_text(value)


class Citation(BaseModel):
    n: int
    document_id: str
    title: str
    section: str | None = None
    snippet: str
    score: float
    source: str | None = None


class RiskOut(BaseModel):
    tier: str
    reasons: list[str]


class YearRow(BaseModel):
    year: int
    principal: float
    interest: float
    balance: float


class SectionOut(BaseModel):
    kind: str = Field(
        description="current | why | numbers | options | steps | assumptions | missing"
    )
    title: str
    text: str


class ComparisonOut(BaseModel):
    title: str
    columns: list[str]
    rows: list[list[str]]


class AdviceBody(BaseModel):
    """The part of an answer that is the same for everyone who asks the same question."""

    advice: str
    citations: list[Citation]
    metrics: dict[str, float | int | str]
    assumptions: list[str]
    risk: RiskOut | None = None
    amortization: list[YearRow] = Field(default_factory=list)
    disclaimer: str
    provider: str
    # Why earlier providers in the chain were passed over, e.g. "openai: circuit open".
    fallback_reason: str | None = None
    index_version: int | None
    # The answer's structure, for clients that render it (``advice`` holds it as text).
    intents: list[str] = Field(default_factory=list)
    summary: str = ""
    sections: list[SectionOut] = Field(default_factory=list)
    comparisons: list[ComparisonOut] = Field(default_factory=list)
    follow_up_questions: list[str] = Field(default_factory=list)


class AdviceResponse(AdviceBody):
    user: str
    request_id: str | None
    cached: bool
    latency_ms: float


class HistoryItem(BaseModel):
    id: int
    request_id: str | None
    query: str
    created_at: str
    response: dict[str, Any]


class HistoryPage(BaseModel):
    items: list[HistoryItem]
    next_cursor: str | None
