"""The embedder a benchmark runs with: ``--backend torch|onnx|onnx-int8|auto`` and
``--device``, loaded as the server would (``apfa.providers.embedding_backends``); the ONNX
files are exported once into ``--models-dir`` and reused by later runs."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from apfa.providers.embedding_backends import choose, load
from apfa.providers.embeddings import Embedder

BACKENDS = ("torch", "onnx", "onnx-int8", "auto")


def add_arguments(parser: argparse.ArgumentParser, *, default: str = "torch") -> None:
    parser.add_argument("--backend", default=default, choices=BACKENDS)
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--models-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "apfa-bench-models",
        help="where the ONNX files are exported to",
    )


def load_embedder(args: argparse.Namespace, backend: str | None = None) -> Embedder:
    return load(choose(backend or args.backend, args.device, args.models_dir))  # type: ignore[arg-type]
