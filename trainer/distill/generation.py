"""Answers from a causal LM, batched with left padding (greedy or sampled), and ROUGE-L F1 against gold answers
(the evaluation POCL reports)."""

from __future__ import annotations

import functools

import torch


@functools.cache
def _scorer():
    # Imported on first use: rouge_score brings in nltk, and nltk scipy and scikit-learn (~160 MiB of memory
    # and seconds of start-up), which a training run without evaluation never needs.
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l_f1(prediction: str, reference: str) -> float:
    return _scorer().score(reference, prediction)["rougeL"].fmeasure


def mean_rouge_l(predictions: list[str], references: list[str]) -> float | None:
    if not predictions:
        return None
    return sum(map(rouge_l_f1, predictions, references)) / len(predictions)


def _left_padded(prompts: list[list[int]], pad_id: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    # Left padding keeps every prompt's last token at the same position, where generation continues.
    width = max(map(len, prompts))
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(prompts), width), dtype=torch.long)
    for row, prompt in enumerate(prompts):
        ids[row, width - len(prompt):] = torch.tensor(prompt, dtype=torch.long)
        attention[row, width - len(prompt):] = 1
    return ids.to(device), attention.to(device)


def greedy_answers(model, tokenizer, prompts: list[list[int]], max_new_tokens: int,
                   batch_size: int = 8) -> list[str]:
    """Decoded greedy continuations of token-id prompts (special tokens dropped). The model's train/eval mode
    is restored afterwards, so a training loop can call this between steps."""
    return answers(model, tokenizer, prompts, max_new_tokens, batch_size)


@torch.no_grad()
def answers(model, tokenizer, prompts: list[list[int]], max_new_tokens: int, batch_size: int = 8,
            temperature: float = 0.0, seed: int | None = None) -> list[str]:
    """Decoded continuations of token-id prompts, greedy at temperature 0 (below 1e-4, as FastChat) and sampled
    otherwise; `seed` seeds the sampling of the whole call, so a seed gives the same answers again on the same
    device and batch size. The model's train/eval mode is restored afterwards."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    sample = temperature >= 1e-4
    sampling = {"do_sample": True, "temperature": temperature, "top_p": 1.0, "top_k": 0} if sample else {"do_sample": False}
    if sample and seed is not None:
        torch.manual_seed(seed)
    decoded = []
    try:
        for start in range(0, len(prompts), batch_size):
            ids, attention = _left_padded(prompts[start:start + batch_size], tokenizer.pad_token_id, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                out = model.generate(input_ids=ids, attention_mask=attention, max_new_tokens=max_new_tokens,
                                     pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                                     use_cache=True, **sampling)
            decoded += tokenizer.batch_decode(out[:, ids.shape[1]:], skip_special_tokens=True)
    finally:
        model.train(was_training)
    return [a.strip() for a in decoded]
