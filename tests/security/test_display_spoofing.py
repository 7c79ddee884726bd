"""Text that people see again (API-key names, questions, thread titles and messages) keeps
no characters that reorder or hide what is shown, and a negative zero reads as zero
(issue #18)."""

from __future__ import annotations

import httpx
import pytest

from apfa.auth.permissions import Role
from apfa.core.text import visible
from support import bearer

HIDDEN = (
    [chr(c) for c in range(0x202A, 0x202F)]  # bidi embeddings and overrides
    + [chr(c) for c in range(0x2066, 0x206A)]  # bidi isolates
    + [chr(c) for c in range(0x200B, 0x2010)]  # zero-width characters and marks
    + ["\u2060", "\ufeff"]
    + [chr(c) for c in range(0x80, 0xA0)]  # C1 controls
)
SPOOFED = "invoice\u202egpj.exe\u200b \u2066key\u2069\u0085\ufeff"
SHOWN = "invoicegpj.exe key"


@pytest.mark.parametrize("hidden", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_visible_drops_each_hidden_character(hidden: str) -> None:
    assert visible(f"a{hidden}b") == "ab"


def test_visible_keeps_ordinary_text_and_what_it_is_told_to() -> None:
    text = "Café – 6.5% on $300,000 😀\n\tok"
    assert visible(text, keep="\n\t") == text
    assert visible(text) == "Café – 6.5% on $300,000 😀ok"


async def test_api_key_names_are_shown_as_they_read(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    headers = bearer(tokens[Role.USER])
    created = await client.post("/api/v1/api-keys", json={"name": SPOOFED}, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == SHOWN
    nothing = await client.post("/api/v1/api-keys", json={"name": "\u202e\u200b"}, headers=headers)
    assert nothing.status_code == 422
    assert nothing.json()["error"] == "validation_error"


async def test_conversation_titles_and_messages_are_shown_as_they_read(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    headers = bearer(tokens[Role.USER])
    created = await client.post("/api/v1/conversations", json={"title": SPOOFED}, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["title"] == SHOWN
    path = f"/api/v1/conversations/{created.json()['id']}"
    asked = await client.post(
        f"{path}/messages", json={"content": "What is \u202ePMI\u2069?"}, headers=headers
    )
    assert asked.status_code == 200, asked.text
    thread = (await client.get(path, headers=headers)).json()
    assert thread["messages"][0]["content"] == "What is PMI?"
    empty = await client.post(f"{path}/messages", json={"content": "\u200b\u2066"}, headers=headers)
    assert empty.status_code == 422
    untitled = await client.post("/api/v1/conversations", json={"title": "\ufeff"}, headers=headers)
    assert untitled.status_code == 422


async def test_advice_questions_are_read_as_they_read(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    headers = bearer(tokens[Role.USER])
    answer = await client.post(
        "/api/v1/advice", json={"query": "What is \u202ePMI\u200b?\u0085"}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert "\u202e" not in answer.text
    assert "\\u202e" not in answer.text.lower()
    refused = await client.post("/api/v1/advice", json={"query": "\u202e\u2069"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["error"] == "validation_error"


async def test_a_negative_zero_reads_as_zero(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    profile = {
        "annual_income": 90000,
        "monthly_debt_payments": -0.0,
        "down_payment": -0.0,
        "loan_type": "mortgage",
        "home_price": 300000,
        "interest_rate": 6.5,
        "term_years": 30,
    }
    body = {"query": "Can I afford this mortgage and what would PMI cost?", "profile": profile}
    answer = await client.post("/api/v1/advice", json=body, headers=bearer(tokens[Role.USER]))
    assert answer.status_code == 200, answer.text
    assert "-0.00" not in answer.text
    assert "$-0" not in answer.text
