"""A bare FastAPI app that answers POST /api/v1/advice with fixed JSON bytes: the
baseline the full APFA middleware stack is compared with in bench/advice_latency.py.

    BENCH_BARE_BODY=answer.json uvicorn --app-dir bench bare_app:create_app --factory
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Response


def create_app() -> FastAPI:
    body = Path(os.environ["BENCH_BARE_BODY"]).read_bytes()
    app = FastAPI()

    @app.post("/api/v1/advice")
    async def advice() -> Response:
        return Response(body, media_type="application/json")

    @app.get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app
