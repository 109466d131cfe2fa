"""The 32 TAPIR task types, read from schemas/taxonomy.json (generated from lib/contracts/taxonomy.ts, the one
place the list is written)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def _taxonomy() -> dict:
    return json.loads(resources.files("distill").joinpath("schemas", "taxonomy.json").read_text())


def labels() -> tuple[str, ...]:
    return tuple(_taxonomy()["ratios"])


def fallback() -> str:
    return _taxonomy()["fallback"]


def normalize(label: str) -> str:
    """A taxonomy name as written, or the fallback for anything else (EasyDistill's rule for unknown labels)."""
    return label if label in labels() else fallback()
