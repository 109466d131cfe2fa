"""Reading the new instructions out of a teacher's reply to an expansion request, and writing the examples in.

Teachers answer "write N instructions as a numbered list" in many shapes: `1.`, `1)`, `(1)`, `**1.**`, `- `,
`* `, `• `, `Instruction 3:`, a preamble ("Here are five new instructions:") and an epilogue ("I hope these
help!"). The rules:

- An item starts at a line whose marker is of the list's kind: the kind of the first marked line (numbered,
  bulleted, or labelled like `Instruction 2:`). Text before the first item is preamble and dropped.
- A line indented by two or more spaces that starts with a marker is a sub-point of the item (small teachers
  comment on their own instructions that way) and is dropped.
- Other lines continue the item (an instruction may span lines: a question and its data, code to debug), up
  to a blank line; after a blank line only text inside a code fence, or after an item that ends with a colon,
  still belongs to it. So an epilogue separated by a blank line is dropped.
- Markdown emphasis around the marker, a label such as `Instruction:` and quotes around the whole item are
  taken off. Items shorter than MIN_CHARS are dropped.
- A reply without any marker is read one item per non-empty line, lines that end with a colon (a preamble)
  left out.
- A reply cut off by the length limit loses its last item, which may be incomplete.
"""

from __future__ import annotations

import re
import unicodedata

MIN_CHARS = 10
_NUMBERED = r"(?:\(?\d{1,3}[.):](?!\d))"
_BULLET = r"(?:[-*•+])"
_LABELLED = r"(?:(?:new\s+)?(?:instruction|question|task|prompt|example)\s*#?\s*\d{1,3}\s*[:.)-])"
_MARKER = re.compile(rf"^(?P<indent>[ \t]*)(?:\*\*|__)?(?:(?P<numbered>{_NUMBERED})|(?P<labelled>{_LABELLED})|"
                     rf"(?P<bullet>{_BULLET}))(?:\*\*|__)?(?:\s+|$)(?P<text>.*)$", re.IGNORECASE)
_LABEL_PREFIX = re.compile(r"^(?:\*\*|__)?(?:new\s+)?(?:instruction|question|task|prompt)\s*:(?:\*\*|__)?\s*",
                           re.IGNORECASE)
_QUOTES = [('"', '"'), ("“", "”"), ("'", "'")]


def _kind(match: re.Match) -> str:
    return next(k for k in ("numbered", "labelled", "bullet") if match.group(k))


def _clean(lines: list[str]) -> str:
    text = "\n".join(lines).strip()
    text = _LABEL_PREFIX.sub("", text).strip()
    if text.startswith(("**", "__")) and text.endswith(("**", "__")) and len(text) > 4:
        text = text[2:-2].strip()
    for open_, close in _QUOTES:
        if len(text) > 2 and text.startswith(open_) and text.endswith(close) and open_ not in text[1:-1]:
            text = text[1:-1].strip()
    return text


def parse(reply: str, cut_off: bool = False) -> list[str]:
    """The instructions in a teacher's reply, in order."""
    lines = reply.replace("\r\n", "\n").split("\n")
    matches = [_MARKER.match(line) for line in lines]
    top = [m for m in matches if m and len(m.group("indent").expandtabs(4)) < 2]
    if not top:
        items = [[line.strip()] for line in lines if line.strip() and not line.strip().endswith(":")]
    else:
        kind = _kind(top[0])
        items, current, blank, fenced = [], None, False, False
        for line, match in zip(lines, matches):
            at_top = match is not None and len(match.group("indent").expandtabs(4)) < 2 and _kind(match) == kind
            if at_top and not fenced:
                current = [match.group("text")]
                items.append(current)
                blank = False
                continue
            if current is None:
                continue  # preamble
            if line.strip().startswith("```"):
                fenced = not fenced
            if not line.strip() and not fenced:
                blank = True
                continue
            if match is not None and not fenced and len(match.group("indent").expandtabs(4)) >= 2:
                continue  # a sub-point about the item
            if blank and not fenced and not "\n".join(current).rstrip().endswith(":"):
                current = None  # an epilogue after the list
                continue
            current.append(line)
            blank = False
    texts = [_clean(item) for item in items]
    if cut_off and texts:
        texts.pop()
    return [t for t in texts if len(t) >= MIN_CHARS]


def normalise(text: str) -> str:
    """The form two instructions are exact duplicates in: Unicode NFKC, case-folded, white space collapsed,
    trailing punctuation and white space dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", folded).strip().rstrip(".!?;:,").strip()


def numbered(examples: list[str]) -> str:
    """The in-context examples as the template's {examples}: numbered, one per paragraph."""
    return "\n\n".join(f"{n}. {text.strip()}" for n, text in enumerate(examples, start=1))
