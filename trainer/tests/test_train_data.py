"""Encoding conversations for training: chat template, assistant-only loss mask, truncation, batching, and
the fixed step plan that makes resuming exact."""

from __future__ import annotations

import json

import pytest
import torch
from conftest import alpaca_rows

from distill.contract import JobError
from distill.data import collate, encode, last_answer, prompt_ids
from distill.models import load_tokenizer
from distill.rows import read_rows
from distill.train import planned_steps

CHAT = [{"role": "user", "content": "Name a fruit."}, {"role": "assistant", "content": "An apple."},
        {"role": "user", "content": "Another one?"}, {"role": "assistant", "content": "A pear."}]


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer({"source": "embedded"})


def _masked_text(tokenizer, encoded: dict) -> list[str]:
    """The decoded runs of consecutive masked tokens."""
    runs, current = [], []
    for token, m in zip(encoded["input_ids"], encoded["labels_mask"]):
        if m:
            current.append(token)
        elif current:
            runs.append(tokenizer.decode(current))
            current = []
    return runs + ([tokenizer.decode(current)] if current else [])


def test_mask_covers_every_assistant_turn_and_nothing_else(tokenizer):
    encoded = encode(tokenizer, CHAT, max_length=512, max_prompt_length=256)
    assert encoded["input_ids"] == tokenizer(tokenizer.apply_chat_template(CHAT, tokenize=False),
                                             add_special_tokens=False)["input_ids"]
    assert [run.strip() for run in _masked_text(tokenizer, encoded)] == ["An apple.<|im_end|>", "A pear.<|im_end|>"]


def test_prompt_is_cut_from_the_left_and_the_whole_to_max_length(tokenizer):
    long_prompt = [{"role": "user", "content": "word " * 300}, {"role": "assistant", "content": "Done. " * 50}]
    encoded = encode(tokenizer, long_prompt, max_length=64, max_prompt_length=16)
    assert len(encoded["input_ids"]) == 64
    assert encoded["labels_mask"][:16] == [0] * 16 and all(encoded["labels_mask"][16:])
    assert tokenizer.decode(encoded["input_ids"][13:16]).endswith("assistant\n")


def test_prompt_ids_end_in_the_generation_prompt_before_the_last_answer(tokenizer):
    ids = prompt_ids(tokenizer, CHAT, max_prompt_length=256)
    text = tokenizer.decode(ids)
    assert "An apple." in text and "A pear." not in text and text.endswith("<|im_start|>assistant\n")
    assert len(prompt_ids(tokenizer, CHAT, max_prompt_length=5)) == 5
    assert last_answer(CHAT) == "A pear."


def test_collate_pads_right_with_attention_and_mask(tokenizer):
    rows = alpaca_rows(2)
    encoded = [encode(tokenizer, r["messages"], 128, 64) for r in rows]
    batch = collate(encoded, tokenizer.pad_token_id)
    lengths = [len(e["input_ids"]) for e in encoded]
    assert batch["input_ids"].shape == (2, max(lengths))
    assert batch["attention_mask"].sum(1).tolist() == lengths
    assert torch.equal(batch["labels_mask"] * batch["attention_mask"], batch["labels_mask"])


def test_read_rows_names_the_bad_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"id": "a", "messages": CHAT}) + "\n{broken\n")
    with pytest.raises(JobError, match="line 2"):
        read_rows(path)
    path.write_text(json.dumps({"id": "a", "messages": CHAT[:1]}) + "\n")
    with pytest.raises(JobError, match="id a.*no assistant"):
        read_rows(path)


def test_planned_steps_follow_the_plan_and_repeat_exactly():
    plan = {"stages": [{"sample_ids": list("abcde"), "epochs": 2}, {"sample_ids": list("abcdeabcde"), "epochs": 1}]}
    steps = planned_steps(plan, seed=10, batch_size=2, grad_accum=2)
    assert steps == planned_steps(plan, seed=10, batch_size=2, grad_accum=2)
    assert steps != planned_steps(plan, seed=11, batch_size=2, grad_accum=2)
    # Stage 1: 5 samples → 3 micro-batches → 2 optimizer steps per epoch; stage 2: 10 → 5 → 3.
    assert [(s.stage, s.epoch) for s in steps] == [(0, 0), (0, 0), (0, 1), (0, 1), (1, 0), (1, 0), (1, 0)]
    for stage, epoch in [(0, 0), (0, 1)]:
        seen = [i for s in steps if (s.stage, s.epoch) == (stage, epoch) for mb in s.micro_batches for i in mb]
        assert sorted(seen) == list("abcde")
    stage_two = [i for s in steps if s.stage == 1 for mb in s.micro_batches for i in mb]
    assert sorted(stage_two) == sorted("abcdeabcde")  # repeats from resampling are kept
