"""Training checkpoints under RUN_DIR/checkpoints/step-NNNNNN/: the student's weights as safetensors, and
beside them the optimizer, scheduler and RNG states with the position (global optimizer step) and counters.

A checkpoint folder is written under a temporary name and renamed into place, so a kill mid-write never
leaves a half checkpoint where `latest` would pick it up. Each holds the optimizer's two moments (twice the
weights), so a long run would fill the disk: only the newest `keep` folders stay, plus the one whose step had the
best eval loss so far (named in checkpoints/best.json), which is the one worth going back to.

The last checkpoint holds the same weights as the final model: `share_final_weights` replaces its weights file
with a hard link to the final model's, so the student is stored once while either can be deleted alone.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_model, save_model

from distill import confine

WEIGHTS = "model.safetensors"
STATE = "trainer_state.pt"
POSITION = "position.json"
BEST = "best.json"


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


def _folder_name(step: int) -> str:
    return f"step-{step:06d}"


def save(run_dir: Path, step: int, model, optimizer, scheduler, position: dict, roots: list[Path],
         keep: int) -> Path:
    """Write checkpoint `step` (a no-op when it exists: an interval and a stage end can fall on one step), then
    prune to the newest `keep` and the best."""
    root = confine.directory(checkpoints_dir(run_dir), roots)
    target = root / _folder_name(step)
    if target.exists():
        return target
    partial = root / f"{target.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    with confine.writing_into(partial, roots) as partial:
        save_model(model, str(partial / WEIGHTS))
        torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": rng_state()},
                   partial / STATE)
        (partial / POSITION).write_text(json.dumps({"step": step, **position}, indent=2))
    partial.rename(target)
    prune(run_dir, keep)
    return target


def best(run_dir: Path) -> dict | None:
    """{step, eval_loss} of the checkpoint with the lowest eval loss so far, if one was evaluated."""
    path = checkpoints_dir(run_dir) / BEST
    return json.loads(path.read_text()) if path.exists() else None


def record_eval(run_dir: Path, step: int, eval_loss: float, roots: list[Path], keep: int) -> None:
    """Note the eval loss measured at `step`: when a checkpoint of that step exists and no kept one did better,
    it becomes the best, and the previous best may go."""
    def exists(at: int) -> bool:
        return (checkpoints_dir(run_dir) / _folder_name(at)).exists()

    current = best(run_dir)
    if not exists(step) or (current is not None and current["eval_loss"] <= eval_loss and exists(current["step"])):
        return
    path = confine.file(checkpoints_dir(run_dir) / BEST, roots)
    partial = path.with_name(BEST + ".partial")
    partial.write_text(json.dumps({"step": step, "eval_loss": eval_loss}))
    partial.replace(path)
    prune(run_dir, keep)


def prune(run_dir: Path, keep: int) -> None:
    kept_best = best(run_dir)
    for old in _folders(run_dir)[:-keep]:
        if kept_best is None or old.name != _folder_name(kept_best["step"]):
            shutil.rmtree(old, ignore_errors=True)


def share_final_weights(run_dir: Path, step: int, final_dir: Path, model) -> bool:
    """Make checkpoint `step`'s weights a hard link to the final model's weights file, when that single file
    holds the same tensors under names `load_weights` accepts (tied weights stored once). False, and both copies
    kept, when it does not (sharded, other names) or cannot be linked (another filesystem)."""
    final = final_dir / WEIGHTS
    folder = checkpoints_dir(run_dir) / _folder_name(step)
    if not (final.exists() and (folder / WEIGHTS).exists()):
        return False
    with safe_open(str(final), framework="pt") as f:
        stored = set(f.keys())
    state = model.state_dict()
    stored_storage = {t.untyped_storage().data_ptr() for name, t in state.items() if name in stored}
    if not stored <= state.keys() or any(name not in stored and t.untyped_storage().data_ptr() not in stored_storage
                                         for name, t in state.items()):
        return False
    link = folder / (WEIGHTS + ".link")
    try:
        link.unlink(missing_ok=True)
        os.link(final, link)
    except OSError:
        return False
    link.replace(folder / WEIGHTS)
    return True


def read_position(folder: Path) -> dict:
    return json.loads((folder / POSITION).read_text())


def load_weights(folder: Path, model, device: torch.device) -> None:
    load_model(model, str(folder / WEIGHTS), strict=True, device=str(device))


def load_state(folder: Path) -> dict:
    """{optimizer, scheduler, rng}; optimizer.load_state_dict moves the moments onto the parameters' device."""
    return torch.load(folder / STATE, map_location="cpu", weights_only=True)
