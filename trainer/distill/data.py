"""Conversation rows → token ids with a loss mask over assistant turns, through the tokenizer's chat template."""

from __future__ import annotations


import torch

from distill.contract import JobError


def last_answer(messages: list[dict]) -> str:
    """The gold answer an evaluation compares against: the content of the last assistant turn."""
    return next(m["content"] for m in reversed(messages) if m["role"] == "assistant")


def _render(tokenizer, messages: list[dict], generation_prompt: bool) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)


def _assistant_spans(tokenizer, messages: list[dict]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character span of each assistant turn (content and end-of-turn
    marker, which the student must learn to emit). Spans come from rendering prefixes, so any template
    whose renderings extend one another works, without parsing its markup."""
    text = _render(tokenizer, messages, generation_prompt=False)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = _render(tokenizer, messages[:i], generation_prompt=True)
        upto = _render(tokenizer, messages[: i + 1], generation_prompt=False)
        if not (text.startswith(before) and text.startswith(upto)):
            raise JobError(f"the chat template renders message {i} differently inside the full conversation; "
                             "assistant turns cannot be located")
        spans.append((len(before), len(upto)))
    return text, spans


def encode(tokenizer, messages: list[dict], max_length: int, max_prompt_length: int) -> dict:
    """{input_ids, labels_mask}: labels_mask is 1 on the tokens of every assistant turn. The prompt (all
    before the first assistant turn) keeps its last `max_prompt_length` tokens, so the assistant header that
    conditions the answer survives; the whole is then cut to `max_length`."""
    text, spans = _assistant_spans(tokenizer, messages)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids = enc["input_ids"]
    mask = [int(any(s <= start < e for s, e in spans)) for start, _ in enc["offset_mapping"]]
    prompt_len = mask.index(1) if 1 in mask else len(ids)
    cut = max(0, prompt_len - max_prompt_length)
    ids, mask = ids[cut:][:max_length], mask[cut:][:max_length]
    return {"input_ids": ids, "labels_mask": mask}


def prompt_ids(tokenizer, messages: list[dict], max_prompt_length: int) -> list[int]:
    """The conversation before its last assistant turn, ending in the generation prompt, for answering."""
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return chat_prompt_ids(tokenizer, messages[:last], max_prompt_length)


def chat_prompt_ids(tokenizer, messages: list[dict], max_prompt_length: int) -> list[int]:
    """The whole conversation (ending in a user turn) and the generation prompt, its last `max_prompt_length`
    tokens."""
    text = _render(tokenizer, messages, generation_prompt=True)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return ids[-max_prompt_length:]


def padded_width(length: int, pad_multiple: int) -> int:
    """`length` rounded up to a multiple of `pad_multiple` (job.speed.pad_to_multiple)."""
    return -(-length // pad_multiple) * pad_multiple


def collate(batch: list[dict], pad_id: int, pad_multiple: int = 1) -> dict[str, torch.Tensor]:
    """Right-pad encoded rows into tensors input_ids, attention_mask, labels_mask, as wide as the longest row
    rounded up to a multiple of `pad_multiple` (job.speed.pad_to_multiple)."""
    width = padded_width(max(len(item["input_ids"]) for item in batch), pad_multiple)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(batch), width), dtype=torch.long)
    labels_mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, item in enumerate(batch):
        n = len(item["input_ids"])
        input_ids[row, :n] = torch.tensor(item["input_ids"], dtype=torch.long)
        attention_mask[row, :n] = 1
        labels_mask[row, :n] = torch.tensor(item["labels_mask"], dtype=torch.long)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels_mask": labels_mask}
