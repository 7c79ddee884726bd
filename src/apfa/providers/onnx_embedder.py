"""all-MiniLM-L6-v2 in ONNX Runtime on the CPU, float32 or int8.

The same steps as the sentence-transformers model: the model's own tokenizer
(``tokenizer.json``, truncated at its 256 tokens), the transformer, the mean of the token
vectors under the attention mask, L2 normalisation. Texts are encoded longest first, so a
batch pads to lengths close to its own. Float32 gives the torch model's vectors (cosine
above 0.9999), so it shares its model name and cached vectors; int8 vectors differ
slightly (cosine about 0.994) and go by a name of their own, so the two never mix in the
embedding cache or in an index version.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from apfa.providers.embeddings import Vectors
from apfa.providers.onnx_model import FLOAT, INT8, model_dir, onnx_files

MODEL = "all-MiniLM-L6-v2"


class OnnxEmbedder:
    def __init__(self, cache_dir: Path, *, int8: bool, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        source = model_dir()
        folder = onnx_files(cache_dir, int8=int8, source=source)
        self._int8 = int8
        self._cache_dir = cache_dir
        config = json.loads((source / "sentence_bert_config.json").read_text())
        self._max_length = int(config["max_seq_length"])
        self._tokenizer: Any = Tokenizer.from_file(str(source / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self._max_length)
        self._counter: Any = Tokenizer.from_file(str(source / "tokenizer.json"))
        self._counter.no_padding()
        self._counter.no_truncation()
        self._pad_id = int(self._tokenizer.token_to_id("[PAD]") or 0)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        # Sessions are safe to run from several threads at once.
        self._session: Any = ort.InferenceSession(
            str(folder / (INT8 if int8 else FLOAT)), options, providers=["CPUExecutionProvider"]
        )
        self._dim = int(self._session.get_outputs()[0].shape[-1])

    @property
    def model_name(self) -> str:
        return f"{MODEL}-int8" if self._int8 else MODEL

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def backend(self) -> str:
        return "onnx-int8" if self._int8 else "onnx"

    @property
    def cache_dir(self) -> Path:
        return self._cache_dir

    @property
    def max_seq_length(self) -> int:
        return self._max_length

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> Vectors:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        if not texts:
            return out
        encoded = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i].ids))
        for start in range(0, len(order), max(1, batch_size)):
            rows = order[start : start + batch_size]
            out[rows] = self._batch([encoded[i] for i in rows])
        return out

    def _batch(self, encoded: list[Any]) -> Vectors:
        width = max(len(e.ids) for e in encoded)
        ids = np.full((len(encoded), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encoded), width), dtype=np.int64)
        types = np.zeros((len(encoded), width), dtype=np.int64)
        for row, e in enumerate(encoded):
            n = len(e.ids)
            ids[row, :n] = e.ids
            mask[row, :n] = 1
            types[row, :n] = e.type_ids
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        )[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        vectors: Vectors = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return vectors

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)
