"""Which embedder a process loads: the backend (``APFA_EMBEDDING_BACKEND``), as a spec
that a child process can be given on its command line.

- ``torch``: sentence-transformers on PyTorch, on the CPU or a GPU (``embedding_device``).
- ``onnx``: ONNX Runtime on the CPU, float32 (the torch model's vectors).
- ``onnx-int8``: ONNX Runtime on the CPU, int8 matrix products.
- ``auto`` (the default): torch where the device resolves to a GPU, else ``DEFAULT_CPU``.

``DEFAULT_CPU`` is float32 ONNX: torch's own vectors under torch's model name, so a
deployment whose GPU hosts run torch and whose CPU hosts run ``auto`` embeds alike
everywhere. int8 kept retrieval's recall@10 on the gold set and the advice evaluation
within noise (docs/embeddings.md), but its vectors and name are its own: it is set
explicitly, on every host, by an all-CPU deployment that wants its speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from apfa.core.config import EmbeddingBackend, Settings
from apfa.providers.embeddings import Embedder, SentenceTransformerEmbedder, resolve_device

Concrete = Literal["torch", "onnx", "onnx-int8"]
DEFAULT_CPU: Concrete = "onnx"


@dataclass(frozen=True)
class EmbedderSpec:
    backend: Concrete
    device: str  # torch only; the ONNX backends run on the CPU
    cache_dir: Path  # where the ONNX files are exported to

    def argv(self) -> list[str]:
        return [self.backend, self.device, str(self.cache_dir)]

    @classmethod
    def from_argv(cls, argv: list[str]) -> EmbedderSpec:
        backend, device, cache_dir = argv
        if backend not in ("torch", "onnx", "onnx-int8"):
            raise ValueError(f"unknown embedding backend {backend!r}")
        return cls(backend, device, Path(cache_dir))  # type: ignore[arg-type]


def choose(backend: EmbeddingBackend, device: str, cache_dir: Path) -> EmbedderSpec:
    """The concrete spec for the configured backend and device."""
    if backend == "auto":
        resolved = resolve_device(device)
        concrete: Concrete = "torch" if resolved.startswith("cuda") else DEFAULT_CPU
        return EmbedderSpec(concrete, resolved, cache_dir)
    return EmbedderSpec(backend, device if backend == "torch" else "cpu", cache_dir)


def configured(settings: Settings) -> EmbedderSpec:
    return choose(settings.embedding_backend, settings.embedding_device, settings.models_dir)


def load(spec: EmbedderSpec) -> Embedder:
    if spec.backend == "torch":
        return SentenceTransformerEmbedder(device=spec.device)
    from apfa.providers.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder(spec.cache_dir, int8=spec.backend == "onnx-int8")


def spec_of(embedder: Embedder, cache_dir: Path) -> EmbedderSpec:
    """The spec that loads the same model as ``embedder`` (for a child process)."""
    from apfa.providers.onnx_embedder import OnnxEmbedder

    if isinstance(embedder, OnnxEmbedder):
        return EmbedderSpec(embedder.backend, "cpu", embedder.cache_dir)  # type: ignore[arg-type]
    return EmbedderSpec("torch", embedder.device, cache_dir)
