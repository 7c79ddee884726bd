from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from llm_stub import StubLLM


@pytest.fixture
async def stub() -> AsyncIterator[StubLLM]:
    server = StubLLM()
    await server.start()
    yield server
    await server.close()
