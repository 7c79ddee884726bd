from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.knowledge.chunking import Chunk, approx_token_count, chunk_document, split_sentences
from apfa.knowledge.parsing import ParsedDocument, Section, parse_markdown

TITLE = "Credit Scores and Loan Pricing"


def norm(text: str) -> str:
    return " ".join(text.split())


def word_count(text: str) -> int:
    return len(text.split())


def long_section_text(n: int, tag: str) -> str:
    return " ".join(
        f"{tag} rule {i}: a borrower with a FICO score of {600 + i} pays about "
        f"{i % 7}.{i % 10}% more, or ${1000 + 37 * i:,}.{i % 100:02d} per year."
        for i in range(n)
    )


def make_doc(*sections: Section, title: str = TITLE) -> ParsedDocument:
    return ParsedDocument(title=title, metadata={"category": "credit"}, sections=sections)


LONG_DOC = make_doc(
    Section((), "Scores matter. Lenders price risk with them."),
    Section(("Pricing", "Adjustments"), long_section_text(30, "Pricing")),
    Section(("Pricing", "Examples"), long_section_text(12, "Example")),
)


def by_section(chunks: list[Chunk]) -> dict[tuple[str, ...], list[Chunk]]:
    grouped: dict[tuple[str, ...], list[Chunk]] = {}
    for chunk in chunks:
        grouped.setdefault(chunk.heading_path, []).append(chunk)
    return grouped


def shared_sentences(first: Chunk, second: Chunk) -> list[str]:
    """Longest run of trailing sentences of ``first`` that starts ``second``."""
    left, right = split_sentences(first.text), split_sentences(second.text)
    for size in range(min(len(left), len(right)), 0, -1):
        if left[-size:] == right[:size]:
            return right[:size]
    return []


def test_chunk_sizes_within_limits_with_approx_counter() -> None:
    chunks = chunk_document(LONG_DOC, max_tokens=80, overlap_tokens=20)
    assert len(chunks) > 5
    for group in by_section(chunks).values():
        for position, chunk in enumerate(group):
            assert chunk.token_count == approx_token_count(chunk.text)
            limit = 80 if position < len(group) - 1 else 100
            assert chunk.token_count <= limit


def test_ordinals_title_and_heading_paths() -> None:
    chunks = chunk_document(LONG_DOC, max_tokens=80, overlap_tokens=20)
    assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))
    assert {chunk.title for chunk in chunks} == {TITLE}
    assert [path for path in by_section(chunks)] == [s.heading_path for s in LONG_DOC.sections]


def test_overlap_between_consecutive_chunks_of_a_section() -> None:
    chunks = chunk_document(LONG_DOC, max_tokens=100, overlap_tokens=35)
    group = by_section(chunks)[("Pricing", "Adjustments")]
    assert len(group) >= 3
    for first, second in itertools.pairwise(group):
        shared = shared_sentences(first, second)
        assert shared, (first.text, second.text)
        assert len(shared) < len(split_sentences(first.text))
        assert approx_token_count(" ".join(shared)) <= 35


def test_no_overlap_across_sections() -> None:
    chunks = chunk_document(LONG_DOC, max_tokens=100, overlap_tokens=35)
    for first, second in itertools.pairwise(chunks):
        if first.heading_path != second.heading_path:
            assert shared_sentences(first, second) == []
            assert split_sentences(second.text)[0] not in first.text


def test_zero_overlap_partitions_the_section() -> None:
    section = LONG_DOC.sections[1]
    chunks = chunk_document(make_doc(section), max_tokens=70, overlap_tokens=0)
    assert norm(" ".join(chunk.text for chunk in chunks)) == norm(section.text)


def test_every_sentence_appears_in_some_chunk() -> None:
    chunks = chunk_document(LONG_DOC, max_tokens=60, overlap_tokens=15)
    grouped = by_section(chunks)
    for section in LONG_DOC.sections:
        texts = [norm(chunk.text) for chunk in grouped[section.heading_path]]
        for sentence in split_sentences(section.text):
            assert any(norm(sentence) in text for text in texts), sentence


def test_overlong_sentence_split_on_word_boundaries() -> None:
    words = [f"term{i}" for i in range(150)]
    doc = make_doc(Section(("Glossary",), " ".join(words)))
    chunks = chunk_document(doc, max_tokens=30, overlap_tokens=5)
    assert len(chunks) >= 5
    seen: set[str] = set()
    for chunk in chunks:
        assert chunk.token_count <= 30
        assert set(chunk.text.split()) <= set(words)
        seen.update(chunk.text.split())
    assert seen == set(words)


def test_tiny_tail_merges_into_previous_chunk() -> None:
    sentence = "one two three four five six seven eight nine ten."
    text = " ".join([sentence] * 4 + ["Tiny end."])
    chunks = chunk_document(
        make_doc(Section((), text)), max_tokens=20, overlap_tokens=0, count_tokens=word_count
    )
    assert [chunk.token_count for chunk in chunks] == [20, 22]
    assert chunks[-1].text.endswith(f"{sentence} Tiny end.")


def test_custom_counter_is_used_for_token_counts() -> None:
    chunks = chunk_document(LONG_DOC, max_tokens=50, overlap_tokens=10, count_tokens=word_count)
    assert all(chunk.token_count == word_count(chunk.text) <= 50 for chunk in chunks[:-1])


def test_embedding_text_includes_title_and_heading_path() -> None:
    chunk = chunk_document(make_doc(Section(("Pricing", "Adjustments"), "Pay 1.5% more.")))[0]
    assert chunk.embedding_text == f"{TITLE}\nPricing > Adjustments\nPay 1.5% more."
    intro = chunk_document(make_doc(Section((), "Scores matter.")))[0]
    assert intro.embedding_text == f"{TITLE}\nScores matter."


def test_content_hashes_stable_and_sensitive() -> None:
    first = [chunk.content_hash for chunk in chunk_document(LONG_DOC)]
    assert first == [chunk.content_hash for chunk in chunk_document(LONG_DOC)]
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in first)
    assert len(set(first)) == len(first)
    reflowed = make_doc(Section((), "Scores   matter.\nLenders price risk with them."))
    original = make_doc(Section((), "Scores matter. Lenders price risk with them."))
    edited = make_doc(Section((), "Scores matter. Lenders price risk with these."))
    retitled = make_doc(Section((), "Scores matter. Lenders price risk with them."), title="X")
    digest = chunk_document(original)[0].content_hash
    assert chunk_document(reflowed)[0].content_hash == digest
    assert chunk_document(edited)[0].content_hash != digest
    assert chunk_document(retitled)[0].content_hash != digest


def test_empty_document_gives_no_chunks() -> None:
    assert chunk_document(make_doc()) == []


@pytest.mark.parametrize(("max_tokens", "overlap"), [(0, 0), (50, 50), (50, -1)])
def test_invalid_limits_rejected(max_tokens: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="tokens"):
        chunk_document(LONG_DOC, max_tokens=max_tokens, overlap_tokens=overlap)


def test_approx_token_count_is_realistic() -> None:
    prose = (
        "Lenders look at your credit history, income and existing debts before they "
        "approve a mortgage application and decide which interest rate to offer you."
    )
    ratio = approx_token_count(prose) / len(prose.split())
    assert 1.0 <= ratio <= 1.6
    assert approx_token_count("$1,199.10") == 6
    assert approx_token_count("6.5%") == 4
    assert approx_token_count("20260101") == 3
    assert approx_token_count("") == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The rate is 6.5% today. Fees total $1,199.10 per year. Pay now.",
            ["The rate is 6.5% today.", "Fees total $1,199.10 per year.", "Pay now."],
        ),
        (
            "The U.S. Treasury sets yields. Mr. Smith, Mrs. Lee and Dr. Ng agree.",
            ["The U.S. Treasury sets yields.", "Mr. Smith, Mrs. Lee and Dr. Ng agree."],
        ),
        (
            "Fees, e.g. origination, i.e. points, etc. apply. Rent vs. buy matters.",
            ["Fees, e.g. origination, i.e. points, etc. apply.", "Rent vs. buy matters."],
        ),
        (
            "See Form No. 1040 from Acme Inc. Jan. 15 is the deadline. It is firm.",
            ["See Form No. 1040 from Acme Inc. Jan. 15 is the deadline.", "It is firm."],
        ),
        (
            "Costs rose approx. 5% under Reg. Z and Sec. 1026.18. St. Louis agreed.",
            ["Costs rose approx. 5% under Reg. Z and Sec. 1026.18.", "St. Louis agreed."],
        ),
        (
            "John F. Kennedy signed it. Then Congress acted.",
            ["John F. Kennedy signed it.", "Then Congress acted."],
        ),
        (
            "Steps:\n- Check your score\n- Compare offers\n1. Apply\n2. Close",
            ["Steps:", "- Check your score", "- Compare offers", "1. Apply", "2. Close"],
        ),
        ("1. Save first. 2. Then invest.", ["1. Save first.", "2. Then invest."]),
        (
            'He said "Pay on time." Then he left. ¿Qué pasa? Él pagó 3,5 €.',
            ['He said "Pay on time."', "Then he left.", "¿Qué pasa?", "Él pagó 3,5 €."],
        ),
        ("住宅ローンの金利。次の文です。", ["住宅ローンの金利。", "次の文です。"]),
        (
            "A hard\nwrapped sentence. Another\none.\n\nNew paragraph",
            ["A hard wrapped sentence.", "Another one.", "New paragraph"],
        ),
        ("Really? Yes! Wait...  Done", ["Really?", "Yes!", "Wait...", "Done"]),
        ("", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
    assert split_sentences(text) == split_sentences(text)


WORD = st.text(alphabet="abcxyzAZéüß0123456789.,;:!?$%'\"()-*_`#[]/", min_size=1, max_size=10)
SENTENCE = st.lists(WORD, min_size=1, max_size=25).map(" ".join)
BLOCK = st.one_of(
    SENTENCE,
    st.lists(SENTENCE, min_size=1, max_size=6).map(" ".join),
    st.lists(SENTENCE, min_size=1, max_size=4).map(
        lambda items: "\n".join(f"- {i}" for i in items)
    ),
    st.tuples(st.sampled_from(["#", "##", "###"]), SENTENCE).map(" ".join),
    SENTENCE.map(lambda code: f"```\n{code}\n```"),
    st.just(""),
)
MARKDOWN = st.lists(BLOCK, max_size=12).map(lambda blocks: "Intro.\n\n" + "\n\n".join(blocks))
STOPS = re.compile(r"(?<=[。！？])")


def assert_no_words_lost(
    doc: ParsedDocument, chunks: list[Chunk], max_tokens: int, overlap: int
) -> None:
    offset = 0
    for section in doc.sections:
        own = chunk_document(make_doc(section), max_tokens=max_tokens, overlap_tokens=overlap)
        mine = chunks[offset : offset + len(own)]
        offset += len(own)
        assert [(c.heading_path, c.text) for c in mine] == [(c.heading_path, c.text) for c in own]
        texts = [chunk.text for chunk in own]
        assert all(text and text in section.text for text in texts)
        for word in section.text.split():
            for piece in filter(None, STOPS.split(word)):
                if approx_token_count(piece) <= max_tokens:
                    assert any(piece in text for text in texts), piece
    assert offset == len(chunks)


@settings(max_examples=150, deadline=None)
@given(MARKDOWN, st.integers(20, 150), st.floats(0.0, 0.9))
def test_chunking_markdownish_never_loses_words(
    source: str, max_tokens: int, overlap_share: float
) -> None:
    doc = parse_markdown(source, "generated")
    overlap = int(max_tokens * overlap_share)
    chunks = chunk_document(doc, max_tokens=max_tokens, overlap_tokens=overlap)
    assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))
    assert all(chunk.token_count <= max_tokens * 1.25 for chunk in chunks)
    assert_no_words_lost(doc, chunks, max_tokens, overlap)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=600), st.integers(1, 60))
def test_chunking_arbitrary_text_never_raises(text: str, max_tokens: int) -> None:
    doc = make_doc(Section(("Any",), text))
    chunks = chunk_document(doc, max_tokens=max_tokens, overlap_tokens=max_tokens // 3)
    assert_no_words_lost(doc, chunks, max_tokens, max_tokens // 3)


def test_a_section_that_fits_is_counted_once() -> None:
    counted: list[str] = []

    def counter(text: str) -> int:
        counted.append(text)
        return word_count(text)

    text = "One short sentence. Another one follows. And a third closes it."
    chunks = chunk_document(
        make_doc(Section((), text)), max_tokens=50, overlap_tokens=10, count_tokens=counter
    )
    assert [chunk.text for chunk in chunks] == [text]
    assert chunks[0].token_count == word_count(text)
    assert counted == [text]


def test_fast_path_gives_the_chunks_packing_gives() -> None:
    """The whole-section shortcut and sentence packing agree wherever the section fits."""
    for n in range(1, 8):
        text = long_section_text(n, "Fit")
        limit = word_count(text)
        fitted = chunk_document(
            make_doc(Section((), text)), max_tokens=limit, overlap_tokens=0, count_tokens=word_count
        )
        packed = chunk_document(
            make_doc(Section((), text + " Overflow.")),
            max_tokens=limit,
            overlap_tokens=0,
            count_tokens=word_count,
        )
        assert [chunk.text for chunk in fitted] == [text]
        # Packing fills the first window with exactly the fitting text (a tiny tail may
        # then merge into it).
        assert packed[0].text in (text, text + " Overflow.")
