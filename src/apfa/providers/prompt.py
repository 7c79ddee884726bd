"""The prompt every LLM adapter sends: the rules, the numbered sources and the figures."""

from __future__ import annotations

from apfa.providers.llm import GenerationRequest

SYSTEM_PROMPT = (
    "You are APFA, a careful assistant for loans and personal finance. Answer the question "
    "using only the numbered sources and the computed figures you are given.\n"
    "Rules:\n"
    "- Cite the sources you use inline by number in square brackets, like [1] or [2]; cite "
    "only numbers that appear in the source list.\n"
    "- Write every number exactly as it appears in the computed figures or in a source you "
    "cite. Do not calculate, estimate or round any new number.\n"
    "- Never let race, color, religion, national origin, sex, marital status, age, "
    "disability, children or income from public assistance change a recommendation, a "
    "risk judgement or what you say the person can borrow (Equal Credit Opportunity Act).\n"
    "- If the sources do not answer the question, say so plainly.\n"
    "- Be concise: a few short paragraphs or bullet points, plain text.\n"
    "- This is general educational information, not individual financial advice."
)


def user_prompt(request: GenerationRequest) -> str:
    parts = [f"Question:\n{request.question.strip()}"]
    if request.passages:
        sources = "\n\n".join(f"[{p.n}] {p.title}\n{p.text.strip()}" for p in request.passages)
        parts.append(f"Sources:\n{sources}")
    else:
        parts.append("Sources: none are available, so cite nothing.")
    if request.figure_lines:
        parts.append("Computed figures:\n" + "\n".join(f"- {f}" for f in request.figure_lines))
    values = [
        f"- {name} = {value}"
        for name, value in request.metrics.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    if values:
        parts.append(
            "All computed values (ratios are fractions: 0.33 means 33%):\n" + "\n".join(values)
        )
    if request.assumptions:
        parts.append("Assumptions:\n" + "\n".join(f"- {a}" for a in request.assumptions))
    return "\n\n".join(parts)
