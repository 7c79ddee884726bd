"""Hand-built PDFs for the tests: real text pages, and the hostile shapes (a stream that
inflates to gigabytes, a page tree that lies about its size, nested form amplification)."""

from __future__ import annotations

import zlib
from functools import cache

GIB = 1024**3
_PIECE_BYTES = 16 * 1024 * 1024


def build_pdf(objects: list[bytes], *, root: int = 1, info: int | None = None) -> bytes:
    """Objects numbered from 1, a correct cross-reference table and trailer."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    extra = b" /Info %d 0 R" % info if info else b""
    out += b"trailer\n<< /Size %d /Root %d 0 R%s >>\n" % (len(objects) + 1, root, extra)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(pages: list[list[str]], *, title: str | None = None) -> bytes:
    """One page per list of lines, Helvetica, uncompressed content streams."""
    font = 3
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b""]
    objects[font - 1] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    kids: list[int] = []
    for lines in pages:
        ops = b"BT /F1 12 Tf 72 720 Td 14 TL " + b" ".join(
            b"(%s) Tj T*" % _escape(line) for line in lines
        )
        objects.append(stream(ops + b" ET"))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, content)
        )
        kids.append(len(objects))
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    info = None
    if title is not None:
        objects.append(b"<< /Title (%s) >>" % _escape(title))
        info = len(objects)
    return build_pdf(objects, info=info)


def _one_page(content: bytes, *, count: int = 1, resources: bytes = b"") -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R%s >>" % resources,
        content,
    ]


@cache
def _zeros_deflated(total: int) -> bytes:
    """A zlib stream of ``total`` zero bytes, built from one compressed 16 MiB piece
    repeated (a full flush resets the compressor, so the pieces are identical)."""
    compressor = zlib.compressobj(9)
    piece = compressor.compress(b"\0" * _PIECE_BYTES) + compressor.flush(zlib.Z_FULL_FLUSH)
    header = piece[:2]
    body = piece[2:]
    return header + body * (total // _PIECE_BYTES) + b"\x03\x00"


@cache
def flate_bomb_pdf(inflated: int = 2 * GIB) -> bytes:
    """One page whose content stream is FlateDecode twice and inflates to ``inflated``
    bytes: a few kilobytes on disk."""
    inner = _zeros_deflated(inflated)
    outer = zlib.compress(inner, 9)
    content = stream(outer, b" /Filter [/FlateDecode /FlateDecode]")
    return build_pdf(_one_page(content))


def lying_page_count_pdf(claimed: int = 1_000_000_000) -> bytes:
    content = stream(b"BT /F1 12 Tf 72 720 Td (one real page) Tj ET")
    return build_pdf(_one_page(content, count=claimed))


def blank_pages_pdf(pages: int) -> bytes:
    """``pages`` real pages sharing one tiny content stream."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", stream(b"BT ET")]
    kids = []
    for _ in range(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents 3 0 R >>")
        kids.append(len(objects))
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, pages)
    return build_pdf(objects)


def inflating_pages_pdf(pages: int, each: int) -> bytes:
    """``pages`` pages, each with its own FlateDecode content stream of ``each`` bytes of
    whitespace: every stream is modest, their sum is what a budget must catch."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for _ in range(pages):
        objects.append(stream(zlib.compress(b" " * each, 9), b" /Filter /FlateDecode"))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents %d 0 R >>" % content
        )
        kids.append(len(objects))
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, pages)
    return build_pdf(objects)


def undercounted_pages_pdf(pages: int) -> bytes:
    """A page tree whose /Count says 1 while it holds ``pages`` pages."""
    data = blank_pages_pdf(pages)
    return data.replace(b"/Count %d >>" % pages, b"/Count 1 >>")
