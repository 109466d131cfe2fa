"""IFEval's rule-based checks of an answer against its prompt's verifiable instructions, with the checkers of the
PyPI package if-verifiable (Google's instruction_following_eval code): per instruction a strict verdict (the
answer as it is) and a loose one (it passes on any of the answer with its first line, last line, or both
removed, or with markdown asterisks removed). A prompt passes when every one of its instructions does."""

from __future__ import annotations

import functools

from distill.contract import JobError


@functools.cache
def _registry() -> dict:
    # Imported on first use: the package's __init__ brings in `datasets` and pandas (seconds of start-up).
    import langdetect
    from if_verifiable.ifeval.instructions_registry import INSTRUCTION_DICT

    # The language checker's detector samples at random: a fixed seed gives an answer the same verdict every run.
    langdetect.DetectorFactory.seed = 0
    return INSTRUCTION_DICT


def check(answer: str, prompt: str, instruction_ids: list[str], kwargs: list[dict]) -> dict:
    """{prompt_strict, prompt_loose, instructions: [{id, strict, loose}]}. An empty answer follows nothing."""
    from if_verifiable.common import evaluate_instructions

    registry = _registry()
    unknown = [i for i in instruction_ids if i not in registry]
    if unknown:
        raise JobError(f"IFEval instruction ids {unknown} have no checker in if-verifiable")
    results, _ = evaluate_instructions(answer, instruction_ids, kwargs, prompt, registry)
    verdicts = [{"id": r.instruction_id, "strict": r.strict_pass, "loose": r.loose_pass} for r in results] or \
        [{"id": i, "strict": False, "loose": False} for i in instruction_ids]
    return {"prompt_strict": all(v["strict"] for v in verdicts), "prompt_loose": all(v["loose"] for v in verdicts),
            "instructions": verdicts}
