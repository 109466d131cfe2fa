"""The model under evaluation, answering conversations: a local model (batched generation with left padding, on
CUDA when there is one) or an endpoint (the answer job's client: retries, pause, the shared response cache)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from distill.contract import JobError
from distill.data import chat_prompt_ids
from distill.generate.cache import ResponseCache
from distill.generate.teacher import RefusedRequest, Teacher
from distill.generation import answers


def load_local(model: dict, device, run_dir: Path, seed: int):
    """(model, tokenizer) of an eval job's local model; a pruned or init student is derived from `base`, and a
    checkpoint's weights replace the weights of the model so built."""
    import torch

    from distill.models import load_student, load_teacher

    ref = model["ref"]
    if ref["source"] in ("pruned", "init"):
        if not model.get("base"):
            raise JobError(f"model.ref is a {ref['source']} student: model.base must name the model it is derived from")
        torch.manual_seed(seed)  # an init student starts from seeded random weights
        base, tokenizer = load_teacher(model["base"], device, run_dir)
        loaded = load_student(ref, base, model["base"], device, run_dir)
        del base
    else:
        loaded, tokenizer = load_teacher(ref, device, run_dir)
    if model.get("checkpoint"):
        _load_checkpoint_weights(run_dir / model["checkpoint"], loaded, device)
    return loaded.eval().requires_grad_(False), tokenizer


def _load_checkpoint_weights(folder: Path, model, device) -> None:
    """The weights of a train run's checkpoint, loaded strictly as --resume loads them: a checkpoint saved from
    another architecture than the one `ref` builds is refused rather than half-loaded."""
    from distill import checkpoint

    if not (folder / checkpoint.WEIGHTS).exists():
        raise JobError(f"checkpoint {folder} holds no {checkpoint.WEIGHTS}: the run may have pruned it since "
                       "(it keeps its newest checkpoints and its best); choose one it still has")
    try:
        checkpoint.load_weights(folder, model, device)
    except RuntimeError as e:
        raise JobError(f"checkpoint {folder} does not fit the model built from model.ref: {e}") from e


class LocalAnswerer:
    def __init__(self, model, tokenizer, job: dict):
        self.model, self.tokenizer, self.job = model, tokenizer, job

    async def answer(self, conversations: list[list[dict]], temperature: float, seed: int | None) -> list[str]:
        prompts = [chat_prompt_ids(self.tokenizer, c, self.job["max_prompt_length"]) for c in conversations]
        return answers(self.model, self.tokenizer, prompts, self.job["max_new_tokens"], self.job["batch_size"],
                       temperature=temperature, seed=seed)


class EndpointAnswerer:
    def __init__(self, teacher: Teacher, cache: ResponseCache | None, job: dict, warn):
        self.teacher, self.cache, self.job, self.warn = teacher, cache, job, warn
        self._slots = asyncio.Semaphore(teacher.endpoint["concurrency"])

    async def _one(self, messages: list[dict], sampling: dict, number: int) -> str:
        async with self._slots:
            try:
                response, _ = await self.teacher.complete_cached(self.cache, messages, f"#{number}", sampling)
            except RefusedRequest as refused:
                self.warn(f"the endpoint refused prompt #{number} ({refused}); its answer counts as empty")
                return ""
            return response["content"].strip()

    async def answer(self, conversations: list[list[dict]], temperature: float, seed: int | None) -> list[str]:
        sampling = {"temperature": temperature, "top_p": 1.0, "max_tokens": self.job["max_new_tokens"]}
        if seed is not None:
            sampling["seed"] = seed
        return list(await asyncio.gather(*(self._one(c, sampling, i) for i, c in enumerate(conversations))))
