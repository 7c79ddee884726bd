from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from apfa.core.config import Settings
from apfa.providers.embeddings import share_the_interpreter, tokenizer_parallelism


@pytest.fixture
def restore_switch_interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("restore_switch_interval")
def test_share_the_interpreter_sets_the_switch_interval() -> None:
    share_the_interpreter(0.5)
    assert sys.getswitchinterval() == pytest.approx(0.0005)
    share_the_interpreter(5)
    assert sys.getswitchinterval() == pytest.approx(0.005)


def test_switch_interval_setting_defaults_below_the_interpreter_default(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, var_dir=tmp_path, jwt_secret=SecretStr("s" * 48))  # type: ignore[call-arg]
    assert settings.gil_switch_interval_ms == 0.5
    for bad in (0, -1, 1000):
        with pytest.raises(ValidationError):
            Settings(  # type: ignore[call-arg]
                _env_file=None,
                var_dir=tmp_path,
                jwt_secret=SecretStr("s" * 48),
                gil_switch_interval_ms=bad,
            )


def test_the_tokenizer_uses_the_hosts_cores_only_for_a_gpu_model() -> None:
    assert tokenizer_parallelism("cuda") == "true"
    assert tokenizer_parallelism("cuda:1") == "true"
    assert tokenizer_parallelism("cpu") == "false"
