"""KD + DAE's Domain Alignment from Expert (docs/methods.md KD+DAE §2): in a plan's "dae" stages each row is
distilled from a frozen model chosen by its `is_domain` flag, the domain expert for domain rows and the reference
model for the others, so the student learns one "stacked" target distribution.

Per micro-batch the student runs once over all rows; each target model runs only on its own rows, and the
output-layer loss (`head_distill`) is taken per group with that group's model, then the groups are combined in
proportion to their answer tokens: the same mean over all answer tokens a KD step takes.
"""

from __future__ import annotations

import gc
from pathlib import Path

import torch

from distill import memory
from distill.contract import JobError
from distill.losses import LOSS_PARAMS, head_distill
from distill.models import HiddenStates, check_linear_head, check_vocab, load_teacher, load_tokenizer, vocab_size

KD, DAE = "kd", "dae"
# BucketLoss slots of the two groups: the metric event's group_loss names them.
GROUP_NAMES = {"1": "domain", "2": "other"}


def stage_phase(stage: dict) -> str:
    return stage.get("phase", KD)


def check_phases(plan: dict, job: dict) -> None:
    """plan.json's refinement that zod's JSON Schema cannot carry: every "kd" stage comes before every "dae"
    stage; and a plan with "dae" stages needs job.dae."""
    phases = [stage_phase(s) for s in plan["stages"]]
    if DAE in phases and KD in phases[phases.index(DAE):]:
        raise JobError(f"plan stages run in phases {phases}: the kd stages must all come before the dae stages "
                       "(KD first, then DAE from the KD student)")
    if DAE in phases and not job.get("dae"):
        raise JobError("the plan has dae stages but job.json has no `dae` (expert and reference models)")


def check_domain_flags(rows: list[dict], path: Path) -> None:
    bad = [r["id"] for r in rows if not isinstance(r.get("is_domain", False), bool)]
    if bad:
        raise JobError(f"{path}: is_domain must be true or false (or absent), but rows {bad[:3]} have another value")


def release(module_holder: object, *names: str) -> None:
    """Drop the named attributes and hand their memory back (CUDA cache, glibc heap), so the next models load
    into the room they leave."""
    for name in names:
        setattr(module_holder, name, None)
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    memory.release_freed_memory()


def check_tokenizers(dae: dict, tokenizer, run_dir: Path) -> None:
    """Before training, so that a DAE model that cannot be used fails the run before its KD phase, not after."""
    for role in ("expert", "reference"):
        if load_tokenizer(dae[role], run_dir).get_vocab() != tokenizer.get_vocab():
            raise JobError(f"dae.{role} ({dae[role]['source']}) has another tokenizer than the student: "
                           "distillation compares distributions token by token, so they must share one")


class DomainTargets:
    """The DAE phase's two frozen target models: `expert` for domain rows, `reference` for the others."""

    def __init__(self, dae: dict, student, device: torch.device, run_dir: Path):
        self.expert, self.expert_hidden = self._load("expert", dae["expert"], student, device, run_dir)
        self.reference, self.reference_hidden = self._load("reference", dae["reference"], student, device, run_dir)
        self.loss_name = dae["loss"]["name"]
        self.loss_params = {k: dae["loss"][k] for k in ("chunk_size", *LOSS_PARAMS.get(self.loss_name, ()))}

    @staticmethod
    def _load(role: str, ref: dict, student, device: torch.device, run_dir: Path):
        model, _ = load_teacher(ref, device, run_dir)
        check_linear_head(model)
        try:
            check_vocab(vocab_size(model), student)
        except JobError as e:
            raise JobError(f"dae.{role}: {e}") from None
        return model, HiddenStates(model)

    def losses(self, student_hidden: torch.Tensor, student_head: torch.Tensor, ids: torch.Tensor,
               attention: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor, domain: torch.Tensor,
               temperature: float, kd_weight: float):
        """(total, ce, kd, per_row) as `head_distill` gives them, each row's target from the model its flag
        names. student_hidden, targets and mask are aligned as in head_distill (the last position dropped);
        ids and attention are the full micro-batch; domain [B] bool."""
        if kd_weight == 0:  # plain fine-tuning on the gold answers: no target model runs
            return head_distill(self.loss_name, student_hidden, student_head, None, None, targets, mask,
                                temperature=temperature, kd_weight=0.0, **self.loss_params)
        count = mask.sum()
        total = ce = kd = None
        per_row = torch.full(mask.shape[:1], float("nan"), device=mask.device)
        for model, hidden, rows in ((self.expert, self.expert_hidden, domain.nonzero().flatten()),
                                    (self.reference, self.reference_hidden, (~domain).nonzero().flatten())):
            if rows.numel() == 0:
                continue
            with torch.no_grad():
                target_hidden = hidden(ids[rows], attention[rows])[:, :-1]
            parts = head_distill(self.loss_name, student_hidden[rows], student_head, target_hidden,
                                 model.get_output_embeddings().weight, targets[rows], mask[rows],
                                 temperature=temperature, kd_weight=kd_weight, **self.loss_params)
            share = mask[rows].sum() / count.clamp(min=1)
            weighted = [share * p for p in parts[:3]]
            total, ce, kd = weighted if total is None else (a + b for a, b in zip((total, ce, kd), weighted))
            per_row[rows] = parts[3].to(per_row.dtype)
        return total, ce, kd, per_row
