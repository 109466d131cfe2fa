"""Training checkpoints under RUN_DIR/checkpoints/step-NNNNNN/: the student's weights as safetensors, and
beside them the optimizer, scheduler and RNG states with the position (global optimizer step) and counters.

A checkpoint folder is written under a temporary name and renamed into place, so a kill mid-write never
leaves a half checkpoint where `latest` would pick it up. Only the newest KEEP folders are kept: each holds
the optimizer's two moments, and a long run would otherwise fill the disk.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_model, save_model

KEEP = 2
WEIGHTS = "model.safetensors"
STATE = "trainer_state.pt"
POSITION = "position.json"


def checkpoints_dir(run_dir: Path) -> Path:
    return run_dir / "checkpoints"


def _folders(run_dir: Path) -> list[Path]:
    root = checkpoints_dir(run_dir)
    if not root.exists():
        return []
    return sorted(p for p in root.glob("step-*") if p.is_dir() and (p / POSITION).exists() and "." not in p.name)


def latest(run_dir: Path) -> Path | None:
    folders = _folders(run_dir)
    return folders[-1] if folders else None


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save(run_dir: Path, step: int, model, optimizer, scheduler, position: dict) -> Path:
    """Write checkpoint `step` (a no-op when it exists: an interval and a stage end can fall on one step)."""
    target = checkpoints_dir(run_dir) / f"step-{step:06d}"
    if target.exists():
        return target
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    save_model(model, str(partial / WEIGHTS))
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": rng_state()},
               partial / STATE)
    (partial / POSITION).write_text(json.dumps({"step": step, **position}, indent=2))
    partial.rename(target)
    for old in _folders(run_dir)[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    return target


def read_position(folder: Path) -> dict:
    return json.loads((folder / POSITION).read_text())


def load_weights(folder: Path, model, device: torch.device) -> None:
    load_model(model, str(folder / WEIGHTS), strict=True, device=str(device))


def load_state(folder: Path) -> dict:
    """{optimizer, scheduler, rng}; optimizer.load_state_dict moves the moments onto the parameters' device."""
    return torch.load(folder / STATE, map_location="cpu", weights_only=True)
