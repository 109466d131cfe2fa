"""Distill Studio's trainer. Every long piece of work runs from a run folder: `python -m distill run RUN_DIR`."""
