"""The disclaimer every answer carries."""

DISCLAIMER = (
    "APFA gives general educational information, not individualised financial, legal or "
    "tax advice. Figures are estimates computed from the information you gave and the "
    "assumptions listed; confirm rates, terms and eligibility with a licensed lender or "
    "adviser before you decide."
)
