"""Greedy answers from a causal LM and ROUGE-L F1 against gold answers (the evaluation POCL reports)."""

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


@torch.no_grad()
def greedy_answers(model, tokenizer, prompts: list[list[int]], max_new_tokens: int,
                   batch_size: int = 8) -> list[str]:
    """Decoded greedy continuations of token-id prompts (special tokens dropped). The model's train/eval mode
    is restored afterwards, so a training loop can call this between steps."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    answers = []
    try:
        for start in range(0, len(prompts), batch_size):
            ids, attention = _left_padded(prompts[start:start + batch_size], tokenizer.pad_token_id, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                out = model.generate(input_ids=ids, attention_mask=attention, max_new_tokens=max_new_tokens,
                                     do_sample=False, pad_token_id=tokenizer.pad_token_id,
                                     eos_token_id=tokenizer.eos_token_id, use_cache=True)
            answers += tokenizer.batch_decode(out[:, ids.shape[1]:], skip_special_tokens=True)
    finally:
        model.train(was_training)
    return [a.strip() for a in answers]
