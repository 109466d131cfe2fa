"""Prompt templates with named placeholders: `{name}` is filled in, every other brace is literal text, so a
template may quote code or JSON without escaping it."""

from __future__ import annotations

import re

from distill.contract import JobError

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def check(template: dict, allowed: set[str]) -> None:
    """A JobError naming the template when it uses a placeholder the job cannot fill."""
    unknown = placeholders(template["text"]) - allowed
    if unknown:
        raise JobError(f"template {template['name']!r} version {template['version']} uses "
                       f"{', '.join('{' + name + '}' for name in sorted(unknown))}, which this job does not fill "
                       f"(it fills {', '.join('{' + name + '}' for name in sorted(allowed))})")


def render(text: str, values: dict[str, str]) -> str:
    # One pass over the template: a value that itself contains "{prompt}" is not expanded again.
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
