"""Serves the advice page at ``/``, the admin console at ``/admin`` and ``/static/...``.

The pages are public: they hold no data. Everything they show comes from the API, called
from the browser with the signed-in user's token. All script and style live in files
under ``static/`` so that the console's Content-Security-Policy can forbid inline code.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
# Revalidate on every load (a cheap 304 with the ETag), so an upgrade is seen at once.
REVALIDATE = "no-cache"


class RevalidatedStaticFiles(StaticFiles):
    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.setdefault("cache-control", REVALIDATE)
        return response


router = APIRouter(include_in_schema=False, tags=["web"])
router.mount("/static", RevalidatedStaticFiles(directory=STATIC_DIR), name="static")


def _page(name: str) -> FileResponse:
    return FileResponse(
        STATIC_DIR / name,
        media_type="text/html; charset=utf-8",
        headers={"cache-control": REVALIDATE},
    )


@router.get("/")
async def advice_page() -> FileResponse:
    """Ask a question and watch the answer stream in."""
    return _page("index.html")


@router.get("/admin")
async def admin_console() -> FileResponse:
    """The operations console; each panel shows only what the user's role may use."""
    return _page("admin.html")
