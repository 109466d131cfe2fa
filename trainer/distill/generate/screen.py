"""Which answers a job keeps aside, and why: empty, cut off by the length limit, or a refusal.

A refusal is recognised by its opening: one of REFUSAL_PATTERNS (case-insensitive) within the answer's first
REFUSAL_WINDOW characters. The list is deliberately short and literal; a refusal worded otherwise is kept, and an
answer that only mentions "I cannot" later on (after helping) is not a refusal."""

from __future__ import annotations

import re

REFUSAL_PATTERNS = [
    r"\bI(?:'m| am) sorry,? but I (?:can(?:'|no)t|am unable to|won't)",
    r"\bI (?:can(?:'|no)t|won't|am unable to|am not able to) (?:help|assist|comply|provide|fulfill|do that|answer)",
    r"\bI(?:'m| am) (?:unable|not able) to (?:help|assist|comply|provide|fulfill|answer)",
    r"\bAs an AI(?: language model)?, I (?:can(?:'|no)t|don't|do not|am unable)",
]
REFUSAL_WINDOW = 200
_REFUSAL = re.compile("|".join(f"(?:{p})" for p in REFUSAL_PATTERNS), re.IGNORECASE)


def reason_to_set_aside(content: str, finish_reason: str | None) -> str | None:
    """"empty", "length", "refusal", or None for an answer to keep."""
    if not content.strip():
        return "empty"
    if finish_reason == "length":
        return "length"
    if _REFUSAL.search(content[:REFUSAL_WINDOW].replace("’", "'")):
        return "refusal"
    return None
