"""What the difficulty scorers measure on a batch of rows: a model's mean cross-entropy on the gold answer
(teacher-forced) and the ROUGE-L F1 of its greedy answer."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from distill.data import collate, last_answer, prompt_ids
from distill.generation import greedy_answers, rouge_l_f1


@torch.no_grad()
def answer_ce(model, encoded: list[dict], pad_id: int) -> list[float]:
    """Per row, the mean next-token cross-entropy (nats) over its answer tokens (labels_mask), teacher-forced.
    Every row must have at least one answer token."""
    device = next(model.parameters()).device
    batch = {k: v.to(device) for k, v in collate(encoded, pad_id).items()}
    ids = batch["input_ids"]
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        logits = model(input_ids=ids, attention_mask=batch["attention_mask"]).logits[:, :-1]
    # Position t predicts token t + 1; only answer positions are gathered, so no [B, T, V] float copy is made.
    rows, cols = batch["labels_mask"][:, 1:].bool().nonzero(as_tuple=True)
    token_ce = F.cross_entropy(logits[rows, cols].float(), ids[rows, cols + 1], reduction="none")
    sums = torch.zeros(len(encoded), device=device).index_add_(0, rows, token_ce)
    counts = torch.bincount(rows, minlength=len(encoded))
    return (sums / counts).tolist()


def answer_rouge_l(model, tokenizer, rows: list[dict], max_prompt_length: int, max_new_tokens: int) -> list[float]:
    """Per row, ROUGE-L F1 (stemmed) of the model's greedy answer to the conversation before the last
    assistant turn, against that turn."""
    return greedy_answers_and_rouge_l(model, tokenizer, rows, max_prompt_length, max_new_tokens)[1]


def greedy_answers_and_rouge_l(model, tokenizer, rows: list[dict], max_prompt_length: int,
                               max_new_tokens: int) -> tuple[list[str], list[float]]:
    """The greedy answers of answer_rouge_l and their ROUGE-L F1."""
    prompts = [prompt_ids(tokenizer, r["messages"], max_prompt_length) for r in rows]
    answers = greedy_answers(model, tokenizer, prompts, max_new_tokens, batch_size=len(rows))
    return answers, [rouge_l_f1(a, last_answer(r["messages"])) for a, r in zip(answers, rows)]
