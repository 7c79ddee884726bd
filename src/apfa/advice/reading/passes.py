"""Passes over the facts once every quantity is placed: what the words around the figures
say about them as a whole (a balance transfer's fee, a car's value not a home's, an account
cashed out, closing costs rolled into the new loan)."""

from __future__ import annotations

import re
from decimal import Decimal

from apfa.advice.reading.result import Reading

_TRANSFER = re.compile(r"\b(?:balance\s+transfer|transfer\s+card|bt\s+card)\b", re.I)
_ORIGINATION = re.compile(r"\b(?:origination|personal\s+loan\s+fee|loan\s+fee)\b", re.I)
_PERCENT_FEE = re.compile(
    r"(?P<n>\d{1,2}(?:\.\d+)?)\s?%\s+(?:balance\s+)?(?:transfer\s+)?fee\b"
    r"|\bfee\s+(?:of|is)\s+(?P<m>\d{1,2}(?:\.\d+)?)\s?%",
    re.I,
)


def transfer_fee(reading: Reading, text: str) -> None:
    """ "a balance transfer with a 3% fee": the fee is the transfer's, not a loan's."""
    fee = reading.facts.get("fee_pct")
    if not _TRANSFER.search(text) or _ORIGINATION.search(text):
        return
    if fee is not None:
        reading.facts.setdefault("transfer_fee_pct", reading.facts.pop("fee_pct"))
    balance = reading.facts.get("loan_balance")
    if balance is not None and "card_balance" not in reading.facts:
        reading.facts["card_balance"] = reading.facts.pop("loan_balance")
    stated = _PERCENT_FEE.search(text)
    if stated is None or "transfer_fee_pct" in reading.facts:
        return
    value = Decimal(stated.group("n") or stated.group("m"))
    reading.facts["transfer_fee_pct"] = value
    for name in ("apr", "interest_rate"):
        if reading.facts.get(name) == value:
            del reading.facts[name]
    rates = reading.facts.get("rates")
    if isinstance(rates, list) and value in rates:
        rates.remove(value)
        if not rates:
            del reading.facts["rates"]


_CAR_TALK = re.compile(r"\b(?:car|truck|suv|vehicle|trade[- ]?in|dealer\w*)\b", re.I)
_HOME_TALK = re.compile(r"\b(?:house|home|condo|mortgage|property|townhouse)\b", re.I)


def home_not_car(reading: Reading) -> None:
    """ "only debt is a 380/mo car ... houses in the 450-500k range": a home's price and no
    car's makes the loan a mortgage, whatever else the question names."""
    facts = reading.facts
    if facts.get("loan_type") == "auto" and "home_price" in facts and "car_price" not in facts:
        facts["loan_type"] = "mortgage"


def car_not_home(reading: Reading, text: str) -> None:
    """ "my trade in is only worth 13k": in talk of cars, a value is the car's."""
    value = reading.facts.get("home_value")
    if value is None or not _CAR_TALK.search(text) or _HOME_TALK.search(text):
        return
    del reading.facts["home_value"]
    reading.facts.setdefault("trade_in_value", value)


def owed_on_a_trade_in(reading: Reading) -> None:
    """ "Owe 18,700 on my car, trade-in value 14.2k, new car 29k": what is owed is the old
    loan, rolled into the new one, not the new loan's amount (the calculators add it)."""
    facts = reading.facts
    trading = "trade_in_value" in facts and "car_price" in facts
    if trading and "loan_amount" in facts and facts["loan_amount"] == facts.get("amount_owed"):
        del facts["loan_amount"]


_CASH_OUT = re.compile(
    r"\b(?:cash(?:ing|ed)?\s+(?:it\s+|out\s+)?(?:all\s+)?out|cash\s+out|take\s+it\s+all|"
    r"withdraw(?:ing)?\s+(?:it\s+all|everything|all\s+of\s+it))\b",
    re.I,
)


_RETIREMENT_ACCOUNT = re.compile(r"\b(?:401|403|457|ira|roth|retirement|tsp|rollover|roll)", re.I)
_SEVERANCE = re.compile(r"\bseverance\b", re.I)


def cashing_out_the_balance(reading: Reading, text: str) -> None:
    """ "cashing out my 401k, its 22,000": the balance of an account being cashed out is
    the amount withdrawn; "cash out 5,000 and roll the rest into an ira" is a withdrawal,
    not home equity; "severance adds 6,200 after taxes" is severance, not monthly pay."""
    facts = reading.facts
    balance = facts.get("retirement_balance")
    if "withdrawal_amount" not in facts and balance is not None and _CASH_OUT.search(text):
        reading.put("withdrawal_amount", balance, "cashing out the balance")
    if "cash_needed" in facts and _RETIREMENT_ACCOUNT.search(text):
        reading.put(
            "withdrawal_amount", facts.pop("cash_needed"), "cashing out a retirement account"
        )
    if "take_home_monthly" in facts and "severance" not in facts and _SEVERANCE.search(text):
        reading.put("severance", facts.pop("take_home_monthly"), "severance after taxes")


def price_cost_percents(reading: Reading) -> None:
    """ "310k loan ... origination 1%, appraisal 650": a listed cost priced as a percent of
    the loan joins the itemised total once the loan amount is known."""
    loan = reading.facts.get("loan_amount")
    costs = reading.facts.get("closing_costs")
    if not reading.cost_percents or not isinstance(loan, Decimal) or not isinstance(costs, Decimal):
        return
    priced = sum((loan * share / 100 for share in reading.cost_percents), Decimal(0))
    priced = priced.quantize(Decimal("0.01"))
    reading.facts["closing_costs"] = costs + priced
    reading.facts["closing_costs_priced"] = priced
    reading.notes.append(f"closing_costs: with {priced:.2f} priced as a percent of the loan")


_ROLLED_IN = re.compile(
    r"\b(?:roll(?:s|ed|ing)?|wrap(?:s|ped|ping)?|add(?:s|ed|ing)?|fold(?:s|ed|ing)?|"
    r"financ(?:e|es|ed|ing)|put(?:s|ting)?|bak(?:e|ed|ing))\b[^.?!]{0,40}?"
    r"\b(?:in|into|onto|to)\s+(?:the\s+|my\s+|our\s+)?(?:new\s+)?"
    r"(?:loan|mortgage|balance|refi(?:nance)?|principal)\b"
    r"|closing\s+costs?\s+(?:are\s+|would\s+be\s+|get\s+)?(?:rolled|financed|wrapped)\b",
    re.I,
)


def costs_financed(reading: Reading, text: str) -> None:
    """ "they'd roll the 4,200 closing costs into the loan": the costs are borrowed, so
    the new loan is the balance plus the costs (the refinance calculator adds them)."""
    if "closing_costs" in reading.facts and _ROLLED_IN.search(text):
        reading.facts["closing_costs_paid"] = "financed"
        reading.notes.append("closing_costs: rolled into the new loan")
