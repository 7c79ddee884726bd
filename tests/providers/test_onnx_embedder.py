"""The ONNX Runtime backends: exported locally from the bundled model, once per cache; the
torch model's vectors in float32 (any batch, padding and truncation), close ones in int8
under a name of their own; the same token counts; chosen by configuration; usable in the
embedding child process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from apfa.core.config import Settings
from apfa.providers import embedding_backends
from apfa.providers.embedding_backends import EmbedderSpec, choose, spec_of
from apfa.providers.embedding_process import ProcessEmbedder
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.providers.onnx_embedder import OnnxEmbedder
from apfa.providers.onnx_model import FLOAT, INT8, onnx_files

TEXTS = [
    "PMI",
    "A 30-year fixed mortgage keeps the same rate for the whole term.",
    "should i refi my 6.8% mortgage if rates drop to 5.9?? closing costs r like 4k",
    "Debt-to-income ratio is monthly debt payments divided by gross monthly income. " * 3,
    # longer than the model's 256 tokens: truncated the same way as sentence-transformers
    "The annual percentage rate includes the interest rate and certain fees. " * 40,
    "",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def onnx(cache: Path) -> OnnxEmbedder:
    return OnnxEmbedder(cache, int8=False)


@pytest.fixture(scope="module")
def int8(cache: Path) -> OnnxEmbedder:
    return OnnxEmbedder(cache, int8=True)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1))


def test_float32_gives_the_torch_models_vectors_in_any_batching(
    onnx: OnnxEmbedder, embedder: SentenceTransformerEmbedder
) -> None:
    reference = embedder.encode(TEXTS)
    for batch_size in (1, 2, 64):
        vectors = onnx.encode(TEXTS, batch_size=batch_size)
        assert vectors.dtype == np.float32
        assert vectors.shape == (len(TEXTS), embedder.dim)
        assert _cosines(vectors, reference).min() > 0.9999
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (onnx.model_name, onnx.dim, onnx.device) == (embedder.model_name, 384, "cpu")
    assert onnx.encode([]).shape == (0, 384)


def test_int8_vectors_are_close_and_go_by_their_own_name(
    int8: OnnxEmbedder, embedder: SentenceTransformerEmbedder
) -> None:
    reference = embedder.encode(TEXTS[:5])
    assert _cosines(int8.encode(TEXTS[:5], batch_size=3), reference).min() > 0.97
    assert int8.model_name != embedder.model_name
    assert int8.backend == "onnx-int8"


def test_token_counts_match_the_torch_model(
    onnx: OnnxEmbedder, embedder: SentenceTransformerEmbedder
) -> None:
    for text in TEXTS:
        assert onnx.count_tokens(text) == embedder.count_tokens(text)
    assert onnx.count_tokens(TEXTS[4]) > onnx.max_seq_length  # counts are not truncated


def test_the_files_are_made_once_per_cache(cache: Path, int8: OnnxEmbedder) -> None:
    folder = onnx_files(cache, int8=True)
    made = {name: (folder / name).stat().st_mtime_ns for name in (FLOAT, INT8)}
    assert onnx_files(cache, int8=True) == folder
    OnnxEmbedder(cache, int8=True)
    assert {name: (folder / name).stat().st_mtime_ns for name in (FLOAT, INT8)} == made
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]


def test_processes_starting_together_export_once(tmp_path: Path) -> None:
    """Two loaders race on an empty cache: one exports, the other waits and reuses."""
    folders: list[Path] = []
    errors: list[BaseException] = []

    def load() -> None:
        try:
            folders.append(onnx_files(tmp_path, int8=False))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(folders)) == 1
    assert sorted(p.name for p in folders[0].iterdir() if not p.name.startswith(".")) == [FLOAT]


def test_the_configured_backend_is_loaded(tmp_path: Path) -> None:
    assert choose("torch", "cpu", tmp_path) == EmbedderSpec("torch", "cpu", tmp_path)
    assert choose("onnx", "cuda", tmp_path).device == "cpu"  # ONNX runs on the CPU
    assert choose("auto", "cpu", tmp_path).backend == embedding_backends.DEFAULT_CPU
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, var_dir=tmp_path, embedding_backend="onnx", model_cache_dir=None
    )
    assert embedding_backends.configured(settings) == EmbedderSpec(
        "onnx", "cpu", tmp_path / "models"
    )
    spec = EmbedderSpec("onnx-int8", "cpu", tmp_path)
    assert EmbedderSpec.from_argv(spec.argv()) == spec
    with pytest.raises(ValueError, match="unknown embedding backend"):
        EmbedderSpec.from_argv(["tensorflow", "cpu", str(tmp_path)])


@pytest.fixture(scope="module")
def separate(int8: OnnxEmbedder, cache: Path) -> Iterator[ProcessEmbedder]:
    process = ProcessEmbedder(int8, spec_of(int8, cache))
    yield process
    process.close()


def test_the_child_process_loads_the_same_onnx_model(
    int8: OnnxEmbedder, separate: ProcessEmbedder
) -> None:
    vectors = separate.encode(TEXTS[:4], batch_size=2)
    np.testing.assert_allclose(vectors, int8.encode(TEXTS[:4], batch_size=2), atol=1e-5)
    assert separate.model_name == int8.model_name
