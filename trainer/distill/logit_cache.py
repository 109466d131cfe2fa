"""The teacher-logit cache on disk: what a teacher_cache job writes and a train job with `teacher_cache` reads
instead of running the teacher (docs/logit-cache.md).

A cache is a folder: manifest.json and shards. Per answer token (each position whose next token is an answer
token, in the order of the encoded row) the teacher's top-k token ids (int32), their log-probabilities at T = 1
(bf16 or fp16) and, over the other tokens, log Σ p_j (the tail mass) and log Σ p_j^{1/2} (float32; the second
serves temperatures T ≠ 1, distill.sparse_kd). A shard holds the tokens of consecutive rows in three .npy files,
<shard>.ids.npy [n, k], <shard>.logprobs.npy [n, k] and <shard>.tail.npy [n, 2]; the manifest
maps each row id to (content hash, shard, offset, count) and holds the key the cache is valid for: the
teacher's identity (its config and weights by content), the chat template, max_length and max_prompt_length.
A reader memory-maps the shards and copies out only a micro-batch's rows, so the cache is never read whole.
"""

from __future__ import annotations

import hashlib
import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from distill.contract import JobError
from distill.models import model_identity

FORMAT = 1
MANIFEST = "manifest.json"
# values → (the log-probabilities' type, the type their bits are stored as: numpy has no bfloat16).
VALUE_TYPES = {"bf16": (torch.bfloat16, torch.int16), "fp16": (torch.float16, torch.float16)}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def row_hash(row: dict) -> str:
    """A row's content (its messages), so an edited row no longer matches its cached teacher outputs."""
    return _sha(json.dumps(row["messages"], sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def cache_key(teacher_ref: dict, base_dir: Path, tokenizer, max_length: int, max_prompt_length: int) -> dict:
    return {"teacher": model_identity(teacher_ref, base_dir), "chat_template": _sha(tokenizer.chat_template or ""),
            "max_length": max_length, "max_prompt_length": max_prompt_length}


def topk_of(logits: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(ids [N, k] int32, log-probabilities [N, k] float32, tail [N, 2] float32) of logits [N, V] at T = 1, most
    likely first; tail holds log Σ p_j and log Σ p_j^{1/2} over the tokens outside the top k, log-sum-exps that
    keep their precision however small the tail is."""
    log_p = F.log_softmax(logits.float(), dim=-1)
    values, ids = log_p.topk(k, dim=-1)
    rest = log_p.scatter(-1, ids, -math.inf)
    return ids.int(), values, torch.stack([rest.logsumexp(dim=-1), (rest / 2).logsumexp(dim=-1)], dim=-1)


class CacheWriter:
    """Writes rows' top-k entries into shards of about `shard_tokens` tokens, then the manifest (close)."""

    def __init__(self, folder: Path, key: dict, top_k: int, values: str, vocab: int, shard_tokens: int):
        self.folder, self.top_k, self.values, self.shard_tokens = folder, top_k, values, shard_tokens
        self.manifest = {"format": FORMAT, "key": key, "top_k": top_k, "values": values, "vocab_size": vocab,
                         "tokens": 0, "shards": [], "rows": {}}
        self._pending: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
        self._pending_tokens = 0

    def add(self, row: dict, ids: torch.Tensor, logprobs: torch.Tensor, log_tail: torch.Tensor) -> None:
        count = ids.shape[0]
        shard = len(self.manifest["shards"])
        self.manifest["rows"][row["id"]] = [row_hash(row), shard, self._pending_tokens, count]
        self._pending.append((ids.cpu(), logprobs.cpu(), log_tail.cpu()))
        self._pending_tokens += count
        self.manifest["tokens"] += count
        if self._pending_tokens >= self.shard_tokens:
            self._flush()

    def _flush(self) -> None:
        name = f"shard-{len(self.manifest['shards']):05d}"
        value_type, stored_type = VALUE_TYPES[self.values]
        ids, logprobs, tails = (torch.cat(parts) for parts in zip(*self._pending)) if self._pending else (
            torch.zeros((0, self.top_k), dtype=torch.int32), torch.zeros((0, self.top_k)), torch.zeros((0, 2)))
        np.save(self.folder / f"{name}.ids.npy", ids.numpy().astype(np.int32))
        np.save(self.folder / f"{name}.logprobs.npy", logprobs.to(value_type).view(stored_type).numpy())
        np.save(self.folder / f"{name}.tail.npy", tails.float().numpy())
        self.manifest["shards"].append(name)
        self._pending, self._pending_tokens = [], 0

    def close(self) -> dict:
        if self._pending or not self.manifest["shards"]:
            self._flush()
        (self.folder / MANIFEST).write_text(json.dumps(self.manifest))
        return self.manifest


class LogitCache:
    """A cache folder opened for reading: the manifest in memory, the shards memory-mapped when first needed."""

    def __init__(self, folder: Path):
        path = folder / MANIFEST
        if not path.exists():
            raise JobError(f"teacher_cache {folder} holds no {MANIFEST}: build it first with a teacher_cache job "
                           "(for this teacher and data)")
        self.folder = folder
        self.manifest = json.loads(path.read_text())
        if self.manifest.get("format") != FORMAT:
            raise JobError(f"teacher_cache {folder} is in format {self.manifest.get('format')}, this trainer reads "
                           f"format {FORMAT}: build it again")
        self.vocab_size = self.manifest["vocab_size"]
        self.shard = cache(self._open_shard)

    def _open_shard(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        name = self.manifest["shards"][index]
        return tuple(np.load(self.folder / f"{name}.{part}.npy", mmap_mode="r") for part in ("ids", "logprobs", "tail"))

    def check_key(self, key: dict) -> None:
        """A JobError in one sentence when this cache was made for another teacher or encoding than `key`."""
        held = self.manifest["key"]
        for field in ("max_length", "max_prompt_length"):
            if held[field] != key[field]:
                raise JobError(f"teacher_cache {self.folder} was built with {field} {held[field]} but this job has "
                               f"{key[field]}: the answer tokens would not line up; build a cache with this job's "
                               f"{field} or set it to {held[field]}")
        if held["chat_template"] != key["chat_template"]:
            raise JobError(f"teacher_cache {self.folder} was built with another chat template than this teacher's "
                           "tokenizer has: build it again for this teacher")
        if held["teacher"] != key["teacher"]:
            raise JobError(f"teacher_cache {self.folder} holds the outputs of another teacher (identity "
                           f"{held['teacher']}, this job's is {key['teacher']}): build a cache for this teacher")

    def check_rows(self, rows: list[dict]) -> None:
        """A JobError naming the rows the cache lacks or holds in another version."""
        index = self.manifest["rows"]
        missing = [r["id"] for r in rows if r["id"] not in index]
        if missing:
            raise JobError(f"teacher_cache {self.folder} lacks {len(missing)} of the rows this job distils, e.g. "
                           f"{missing[:3]}: build it over this job's training data")
        changed = [r["id"] for r in rows if index[r["id"]][0] != row_hash(r)]
        if changed:
            raise JobError(f"{len(changed)} rows changed since teacher_cache {self.folder} was built, e.g. "
                           f"{changed[:3]}: build it again over this job's training data")

    def read(self, ids: tuple[str, ...], counts: list[int], device: torch.device
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(top-k ids [N, k] long, log-probabilities [N, k] float32, tail sums [N, 2] float32) of the rows `ids`,
        concatenated in that order, checked against each row's number of answer tokens now (`counts`)."""
        parts = []
        for row_id, count in zip(ids, counts, strict=True):
            _, shard, offset, held = self.manifest["rows"][row_id]
            if held != count:
                raise JobError(f"row {row_id} has {count} answer tokens but teacher_cache {self.folder} holds {held} "
                               "for it: the data or tokenizer changed since it was built; build it again")
            parts.append([np.asarray(a[offset:offset + count]) for a in self.shard(shard)])
        top_ids, logprobs, tails = (np.concatenate(column) for column in zip(*parts))
        logprobs = torch.from_numpy(logprobs).view(VALUE_TYPES[self.manifest["values"]][0])
        return (torch.from_numpy(top_ids).to(device, torch.long), logprobs.to(device, torch.float32),
                torch.from_numpy(tails).to(device))


def open_for_train(job: dict, run_dir: Path, tokenizer) -> LogitCache:
    """The train job's teacher_cache, opened and checked against the job (teacher, template, lengths); its rows
    are checked by the caller once they are read."""
    if job["attention"]["enabled"]:
        raise JobError("teacher_cache holds the teacher's output distributions only, and job.attention (KD + DAE's "
                       "attention-map loss) needs the live teacher's attention maps: turn one of them off")
    cached = LogitCache(run_dir / job["teacher_cache"])
    cached.check_key(cache_key(job["teacher"], run_dir, tokenizer, job["max_length"], job["max_prompt_length"]))
    return cached

