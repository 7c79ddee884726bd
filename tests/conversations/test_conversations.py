"""Conversations through the real ASGI app, the real model and the small corpus, on SQLite
and PostgreSQL: a thread's life (create, list, read, delete), owners only, and follow-ups
read against the thread: the profile accumulates, a change re-runs the plan with new
numbers, a correction replaces a fact, a new topic keeps only the facts about the person,
and a follow-up that points at nothing is answered with a question."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import FastAPI

from apfa.auth.permissions import Role
from apfa.core.pagination import encode_cursor
from apfa.finance import monthly_payment
from conversations_support import CARD, DOWN, HOUSE, PATH, RAISE, a_user, say, start, thread


async def test_a_thread_is_created_listed_read_and_deleted(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        created = await http.post(PATH, json={"title": "  House hunting  "}, headers=me)
        assert created.status_code == 201, created.text
        body = created.json()
        assert created.headers["location"] == f"{PATH}/{body['id']}"
        assert (body["title"], body["turns"]) == ("House hunting", 0)
        untitled = await start(http, me)

        listed = (await http.get(PATH, headers=me)).json()
        assert [item["id"] for item in listed["items"]] == [untitled, body["id"]]
        assert listed["next_cursor"] is None
        empty = await thread(http, me, untitled)
        assert (empty["title"], empty["messages"], empty["profile"]) == (None, [], {})

        answer = await say(http, me, untitled, HOUSE)
        read = await thread(http, me, untitled)
        assert read["title"] == "Can I afford a $400,000 house making $95,000…"
        assert read["turns"] == 1
        assert [(m["role"], m["content"]) for m in read["messages"]] == [
            ("user", HOUSE),
            ("assistant", answer["advice"]),
        ]
        assert read["messages"][1]["id"] == answer["message_id"]
        assert read["messages"][1]["response"] == answer
        assert read["updated_at"] > read["created_at"]

        deleted = await http.delete(f"{PATH}/{untitled}", headers=me)
        assert deleted.status_code == 204
        gone = await http.get(f"{PATH}/{untitled}", headers=me)
        assert gone.status_code == 404
        assert gone.json()["error"] == "not_found"
        again = await http.delete(f"{PATH}/{untitled}", headers=me)
        assert again.status_code == 404
        assert [i["id"] for i in (await http.get(PATH, headers=me)).json()["items"]] == [body["id"]]


async def test_another_users_thread_is_not_found(app: FastAPI) -> None:
    async with a_user(app) as (owner, mine), a_user(app, Role.SUPER_ADMIN) as (other, theirs):
        conversation_id = await start(owner, mine)
        await say(owner, mine, conversation_id, HOUSE)
        url = f"{PATH}/{conversation_id}"
        for method, path, body in (
            ("GET", url, None),
            ("DELETE", url, None),
            ("POST", f"{url}/messages", {"content": DOWN}),
        ):
            response = await other.request(method, path, json=body, headers=theirs)
            assert response.status_code == 404, (method, response.text)
            assert response.json()["detail"] == "conversation not found"
        assert (await other.get(PATH, headers=theirs)).json()["items"] == []
        still = await thread(owner, mine, conversation_id)
        assert still["turns"] == 1
        assert len(still["messages"]) == 2


async def test_a_follow_up_keeps_the_income_and_recomputes_with_the_change(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        first = await say(http, me, conversation_id, HOUSE)
        assert "affordability" in first["intents"]
        assert first["metrics"]["gross_monthly_income"] == 7916.67
        assert first["metrics"]["dti_back"] == round(500 / (95000 / 12), 4)
        assert "monthly_payment" not in first["metrics"]  # no down payment yet, no loan

        second = await say(http, me, conversation_id, DOWN)
        known = (await thread(http, me, conversation_id))["profile"]
        assert known["annual_income"] == 95000
        assert known["monthly_debt_payments"] == 500
        assert known["home_price"] == 400000
        assert known["down_payment_pct"] == 20
        metrics = second["metrics"]
        assert metrics["loan_amount"] == 320000.0
        assert metrics["ltv"] == 0.8
        rate = Decimal(str(metrics["interest_rate"]))
        assert metrics["monthly_payment"] == float(monthly_payment(320000, rate, 360))
        assert metrics["gross_monthly_income"] == 7916.67
        housing = metrics["housing_payment_monthly"]
        assert metrics["dti_back"] == round((housing + 500) / (95000 / 12), 4)
        assert "20%" in second["advice"]
        assert any("down payment" in a and "80,000" in a for a in second["assumptions"])


async def test_a_correction_replaces_the_fact_and_the_numbers_follow(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        await say(http, me, conversation_id, HOUSE)
        before = await say(http, me, conversation_id, DOWN)
        after = await say(http, me, conversation_id, RAISE)
        read = await thread(http, me, conversation_id)
        assert read["profile"]["annual_income"] == 110000
        assert read["profile"]["home_price"] == 400000
        assert [f["value"] for f in read["facts"] if f["name"] == "annual_income"] == [110000]
        assert after["metrics"]["gross_monthly_income"] == 9166.67
        housing = after["metrics"]["housing_payment_monthly"]
        assert housing == before["metrics"]["housing_payment_monthly"]
        assert after["metrics"]["dti_front"] == round(housing / (110000 / 12), 4)
        assert after["metrics"]["dti_front"] < before["metrics"]["dti_front"]
        assert "$110,000" in after["advice"]
        assert read["turns"] == 3
        assert len(read["messages"]) == 6


async def test_a_new_topic_keeps_only_the_facts_about_the_person(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        await say(http, me, conversation_id, HOUSE)
        await say(http, me, conversation_id, DOWN)
        card = await say(http, me, conversation_id, CARD)
        assert "credit_card_debt" in card["intents"]
        read = await thread(http, me, conversation_id)
        known = read["profile"]
        assert (known["annual_income"], known["monthly_debt_payments"]) == (95000, 500)
        for about_the_house in ("home_price", "down_payment_pct", "loan_type"):
            assert about_the_house not in known
        assert "home_price" not in card["metrics"]
        assert read["intents"] == card["intents"]


async def test_a_follow_up_that_refers_to_nothing_is_answered_with_a_question(
    app: FastAPI,
) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        answer = await say(http, me, conversation_id, "what about that one?")
        assert answer["intents"] == ["other"]
        assert "not sure what that refers to" in answer["advice"]
        assert answer["metrics"] == {}
        assert (await thread(http, me, conversation_id))["profile"] == {}


async def test_profiles_sent_with_the_thread_and_the_messages_accumulate(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(
            http, me, title="Refi", profile={"annual_income": 85000, "credit_score": 720}
        )
        assert (await thread(http, me, conversation_id))["profile"] == {
            "annual_income": 85000,
            "credit_score": 720,
        }
        question = "What would I pay each month on a $300,000 mortgage at 6.5% for 30 years?"
        answer = await say(
            http, me, conversation_id, question, profile={"monthly_debt_payments": 450}
        )
        assert answer["metrics"]["monthly_payment"] == 1896.20
        assert answer["metrics"]["dti_back"] == round((1896.20 + 450) / (85000 / 12), 4)
        read = await thread(http, me, conversation_id)
        assert read["profile"]["credit_score"] == 720
        assert read["profile"]["monthly_debt_payments"] == 450
        assert read["messages"][0]["profile"] == {"monthly_debt_payments": 450.0}
        assert read["title"] == "Refi"
        labels = {f["name"]: (f["label"], f["kind"]) for f in read["facts"]}
        assert labels["credit_score"] == ("credit score", "score")
        assert labels["annual_income"] == ("annual income (gross)", "money")


async def test_threads_are_listed_newest_first_a_page_at_a_time(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        made = [await start(http, me, title=f"thread {n}") for n in range(5)]
        seen: list[int] = []
        cursor: str | None = None
        pages = 0
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await http.get(PATH, params=params, headers=me)).json()
            seen += [item["id"] for item in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == made[::-1]
        assert pages == 3
        huge = encode_cursor(2**40)  # beyond the id column: bad input, not a database error
        for bad in ({"limit": 0}, {"limit": 501}, {"cursor": "not-a-cursor"}, {"cursor": huge}):
            refused = await http.get(PATH, params=bad, headers=me)
            assert refused.status_code == 422, bad


async def test_a_follow_up_does_not_repeat_what_the_thread_already_said(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        first = await say(http, me, conversation_id, HOUSE)
        second = await say(http, me, conversation_id, RAISE)

        def section(answer: dict[str, Any], kind: str) -> list[str]:
            texts = [s["text"] for s in answer["sections"] if s["kind"] == kind]
            return [line for text in texts for line in text.splitlines() if line.strip()]

        assert section(first, "steps")
        assert not set(section(first, "steps")) & set(section(second, "steps"))
        assert first["follow_up_questions"] == ["How much can you put down?"]
        assert second["follow_up_questions"] == []
        # A statement in the person's numbers is said again when the numbers change.
        assert any("$343,520.16" in line for line in section(first, "why"))
        assert any("$397,760.35" in line for line in section(second, "why"))
        assert not set(section(first, "why")) & set(section(second, "why"))
