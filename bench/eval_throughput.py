"""SelfInst generation throughput of the eval job on this CPU (issue 13.6): the layer-pruned student answers the
first N SelfInst prompts through the eval job's batched generation (`LocalAnswerer`, the code an eval job's
selfinst suite calls: left-padded batches of `--batch-size` prompts), against the naive peer, Hugging Face
`generate` called one prompt at a time on the same model and the same prompt tokens, in the same process.

Both sides sample as the SelfInst suite does (temperature 1, top_p 1, no top-k; `--greedy` for one greedy pass) up
to `--max-new-tokens`, from the same seed. Sides alternate over the repeats (ours first on even repeats, the peer
first on odd ones); each repeat gives prompts/s per side and their ratio; the summary line carries the medians.
Model loading is left out of both. `answer_tokens` counts the answers' tokens (re-tokenized), to show both sides
generated about as much.

Prints JSON lines {"metric", "value", "unit"} (and "peer", "ratio").
Run: HF_HUB_OFFLINE=1 .venv/bin/python bench/eval_throughput.py --prompts 16 --repeats 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from distill.data import chat_prompt_ids
from distill.evaluation import suites
from distill.evaluation.answerers import LocalAnswerer, load_local
from distill.tagging import heldout

STUDENT = {"type": "local", "ref": {"source": "pruned", "num_layers": 6}, "base": {"source": "embedded"}}


def emit(metric: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"metric": metric, "value": value, "unit": unit, **extra}), flush=True)


def load_avg() -> float:
    return round(os.getloadavg()[0], 1)


def ours(answerer: LocalAnswerer, conversations: list[list[dict]], temperature: float, seed: int) -> list[str]:
    return asyncio.run(answerer.answer(conversations, temperature, seed))


@torch.no_grad()
def naive(model, tokenizer, prompts: list[list[int]], max_new_tokens: int, temperature: float, seed: int) -> list[str]:
    """What a script without batching does: one `generate` per prompt, no padding."""
    sampling = {"do_sample": True, "temperature": temperature, "top_p": 1.0, "top_k": 0} if temperature else {"do_sample": False}
    torch.manual_seed(seed)
    out = []
    for ids in prompts:
        tokens = model.generate(input_ids=torch.tensor([ids]), max_new_tokens=max_new_tokens,
                                pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, **sampling)
        out.append(tokenizer.decode(tokens[0, len(ids):], skip_special_tokens=True).strip())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8, help="the eval job's batch_size (its default is 8)")
    parser.add_argument("--max-prompt-length", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--greedy", action="store_true")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()

    device = torch.device("cpu")
    run_dir = Path(tempfile.mkdtemp(prefix="distill-bench-eval-"))
    model, tokenizer = load_local(STUDENT, device, run_dir, args.seed)
    job = {"max_prompt_length": args.max_prompt_length, "max_new_tokens": args.max_new_tokens,
           "batch_size": args.batch_size}
    answerer = LocalAnswerer(model, tokenizer, job)
    items = suites.load({"name": "selfinst", "limit": args.prompts}, heldout.datasets_dir(), run_dir)
    conversations = [[{"role": "user", "content": i.turns[0]}] for i in items]
    prompts = [chat_prompt_ids(tokenizer, c, args.max_prompt_length) for c in conversations]
    temperature = 0.0 if args.greedy else 1.0
    sides = {
        "eval_job_batched": lambda: ours(answerer, conversations, temperature, args.seed),
        "hf_generate_one_at_a_time": lambda: naive(model, tokenizer, prompts, args.max_new_tokens, temperature, args.seed),
    }
    emit("eval_throughput_setting", len(items), "prompts", max_new_tokens=args.max_new_tokens,
         batch_size=args.batch_size, temperature=temperature, repeats=args.repeats, torch_threads=torch.get_num_threads(),
         student="embedded SmolLM2-135M pruned to 6 layers", cpu_count=os.cpu_count())

    rates: dict[str, list[float]] = {name: [] for name in sides}
    for repeat in range(args.repeats):
        order = list(sides) if repeat % 2 == 0 else list(reversed(sides))
        for name in order:
            before = load_avg()
            started = time.perf_counter()
            answers = sides[name]()
            wall = time.perf_counter() - started
            rates[name].append(len(items) / wall)
            emit(f"selfinst_{name}_prompts_per_s", round(len(items) / wall, 3), "prompts/s", repeat=repeat,
                 wall_s=round(wall, 2), answer_tokens=sum(len(tokenizer(a)["input_ids"]) for a in answers),
                 load_before=before, load_after=load_avg())
    ratios = [o / p for o, p in zip(rates["eval_job_batched"], rates["hf_generate_one_at_a_time"])]
    emit("selfinst_eval_generation_prompts_per_s_median", round(statistics.median(rates["eval_job_batched"]), 3),
         "prompts/s", peer="hf_generate_one_at_a_time",
         peer_value=round(statistics.median(rates["hf_generate_one_at_a_time"]), 3),
         ratio=round(statistics.median(ratios), 3), ratios=[round(r, 3) for r in ratios], repeats=args.repeats,
         prompts=len(items), batch_size=args.batch_size, max_new_tokens=args.max_new_tokens)


if __name__ == "__main__":
    main()
