"""Job kind "train": white-box knowledge distillation of a student from a frozen teacher, stage by stage as
plan.json gives them.

Read top to bottom: the plan becomes a fixed list of optimizer steps (each epoch's order derived from
(seed, stage, epoch), so the list is the same in every process); `run_job` loads the models, then walks the
list from step 0, or from the last checkpoint's step with --resume, so a resumed run repeats exactly what an
uninterrupted one would have done. Per step: teacher forward without grad, student forward/backward over
`grad_accum` micro-batches, loss = (1 - kd_weight)·CE + kd_weight·KD(T), clip, AdamW, cosine LR. With
job.attention enabled, KD(T) gains weight · the attention-map loss of the mapped layer pairs (KD + DAE).
The plan's "dae" stages come last: there the KD teacher is released and each row's target comes from job.dae's
expert or reference model by its is_domain flag (distill.dae).

Both models run without their output layer: the loss (`head_distill`) takes their last hidden states and
applies the output layers to the answer tokens only, a chunk at a time, so no [B, T, V] logits are made.
"""

from __future__ import annotations

import contextlib
import math
import random
import resource
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import get_cosine_schedule_with_warmup

from distill import checkpoint, confine, distributed, memory
from distill.attention_loss import AttentionCapture, attention_kl, layer_map
from distill.bucket_loss import BucketLoss, bucket_count, sample_buckets
from distill.contract import JobError, Stopped, read_valid_json
from distill.dae import (DAE, GROUP_NAMES, DomainTargets, check_domain_flags, check_phases, check_tokenizers,
                         release, stage_phase)
from distill.data import collate, encode, last_answer, prompt_ids
from distill.events import EventWriter
from distill.generation import greedy_answers, mean_rouge_l
from distill.logit_cache import open_for_train
from distill.losses import LOSS_PARAMS, head_distill
from distill.models import (HiddenStates, check_linear_head, load_student, load_teacher, load_tokenizer, pruned_layers,
                            resolve_device)
from distill.packing import Packer, hidden_states
from distill.sparse_kd import sparse_head_distill
from distill.rows import read_rows
from distill.speed import Speed, StudentCompute

SIGTERM_EXIT = 143


@dataclass(frozen=True)
class PlannedStep:
    stage: int  # index into plan["stages"]
    epoch: int
    micro_batches: tuple[tuple[str, ...], ...]  # sample ids, batch_size each, grad_accum of them at most
    micro_buckets: tuple[tuple[int, ...], ...] | None  # each sample's POCL bucket; None without buckets


def epoch_order(seed: int, stage: int, epoch: int, n: int) -> list[int]:
    # A generator seeded from the position alone, not from RNG consumed so far: a resumed run rebuilds
    # the same permutations without replaying the steps before its checkpoint.
    generator = torch.Generator().manual_seed(seed * 1_000_003 + stage * 1_009 + epoch)
    return torch.randperm(n, generator=generator).tolist()


def _micro_batches(values: list, order: list[int], batch_size: int) -> list[tuple]:
    ordered = [values[i] for i in order]
    return [tuple(ordered[i:i + batch_size]) for i in range(0, len(ordered), batch_size)]


def planned_steps(plan: dict, seed: int, batch_size: int, grad_accum: int) -> list[PlannedStep]:
    steps = []
    for s, stage in enumerate(plan["stages"]):
        ids, buckets = stage["sample_ids"], sample_buckets(stage)
        for epoch in range(stage["epochs"]):
            order = epoch_order(seed, s, epoch, len(ids))
            micro_ids = _micro_batches(ids, order, batch_size)
            micro_buckets = _micro_batches(buckets, order, batch_size) if buckets else None
            for i in range(0, len(micro_ids), grad_accum):
                steps.append(PlannedStep(s, epoch, tuple(micro_ids[i:i + grad_accum]),
                                         tuple(micro_buckets[i:i + grad_accum]) if micro_buckets else None))
    return steps


def read_plan(path: Path, train_ids: set[str]) -> dict:
    if not path.exists():
        raise JobError(f"{path} does not exist: a train job needs its plan.json")
    plan = read_valid_json(path, "plan.schema.json")
    for stage in plan["stages"]:
        missing = [i for i in stage["sample_ids"] if i not in train_ids]
        if missing:
            raise JobError(f"plan stage {stage['stage']} names {len(missing)} sample ids absent from the training "
                           f"data, e.g. {missing[:3]}")
        if not stage["sample_ids"]:
            raise JobError(f"plan stage {stage['stage']} has no samples")
        buckets = sample_buckets(stage)
        if buckets is not None and len(buckets) != len(stage["sample_ids"]):
            raise JobError(f"plan stage {stage['stage']} gives buckets for {len(buckets)} samples but lists "
                           f"{len(stage['sample_ids'])}")
    return plan


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_optimizer(model, optim: dict, num_steps: int, fused: bool = False):
    """AdamW with decay on matrices only (biases and norm gains stay undecayed, as in nanoGPT), and a cosine
    schedule with linear warm-up over `num_steps`. `fused`: one CUDA kernel for the whole update."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": optim["weight_decay"]},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=optim["lr"], betas=(0.9, 0.999), fused=fused or None)
    warmup = math.ceil(optim["warmup_ratio"] * num_steps)
    return optimizer, get_cosine_schedule_with_warmup(optimizer, warmup, num_steps)


def peak_mem_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


class SigtermFlag:
    """Set by SIGTERM; the loop checks it after each optimizer step, so the step in flight completes."""

    def __init__(self):
        self.raised = False
        self._previous = signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame):
        self.raised = True

    def restore(self) -> None:
        signal.signal(signal.SIGTERM, self._previous)


class Distiller:
    """The models, the encoded data and one training step; the loop in `run_job` drives it."""

    def __init__(self, job: dict, run_dir: Path, device: torch.device):
        self.job, self.device, self.run_dir = job, device, run_dir
        load_on = distributed.load_device(device, job["distributed"])
        self.speed = Speed(job["speed"], device, distributed.sharding(job["distributed"]))
        self.cache = None  # the teacher-logit cache that stands in for the teacher (job.teacher_cache)
        if job["teacher_cache"]:
            self.teacher, self.tokenizer = None, load_tokenizer(job["teacher"], run_dir)
            self.cache = open_for_train(job, run_dir, self.tokenizer)
            self.student = load_student(job["student"], None, job["teacher"], load_on, run_dir,
                                        teacher_vocab=self.cache.vocab_size)
        else:
            self.teacher, self.tokenizer = load_teacher(job["teacher"], load_on, run_dir)
            self.student = load_student(job["student"], self.teacher, job["teacher"], load_on, run_dir)
            check_linear_head(self.teacher)
            self.speed.prepare_teacher(self.teacher)
        if job["gradient_checkpointing"]:
            self.student.gradient_checkpointing_enable()
            self.student.config.use_cache = False
        check_linear_head(self.student)
        # Training passes run on `compute.model` (the student, or its bf16 copy; under FSDP the student itself, whose
        # mixed-precision policy does the same) through DDP or FSDP under torchrun; evaluation and saving use the
        # plain fp32 student.
        self.compute = StudentCompute(self.student, self.speed.student_copy)
        self.student_hidden = HiddenStates(self.student)
        self.teacher_hidden = HiddenStates(self.teacher) if self.teacher is not None else None
        self.loss_params = {k: job["loss"][k] for k in ("chunk_size", *LOSS_PARAMS.get(job["loss"]["name"], ()))}
        self.attention = job["attention"]
        self.layer_pairs = layer_map(self.attention.get("layer_map"), job["student"],
                                     self.student.config.num_hidden_layers, self.teacher.config.num_hidden_layers,
                                     pruned_layers) if self.attention["enabled"] else []
        self.teacher_capture = self.student_capture = None
        if self.layer_pairs:
            self.teacher_capture = AttentionCapture(self.teacher, [t for t, _ in self.layer_pairs])
            self.student_capture = AttentionCapture(self.compute.model, [s for _, s in self.layer_pairs])
        # Compiled inside the DDP wrapper, so that distributed.accumulating still finds DDP's no_sync. FSDP shards
        # student_hidden in place.
        hidden = self.student_hidden if self.compute.model is self.student else HiddenStates(self.compute.model)
        self.trainable = distributed.wrap(self.speed.compiled(hidden, with_hooks=bool(self.layer_pairs)),
                                          job["distributed"], device)
        if self.teacher_hidden is not None:  # a run on the teacher-logit cache has no teacher
            distributed.place_teacher(self.teacher_hidden, job["distributed"], device)
        self.targets: DomainTargets | None = None  # the DAE phase's expert and reference, once it starts
        self.packer = Packer(job, [m for m in (self.student, self.teacher) if m is not None]) \
            if self.speed.pack else None
        self._encoded: dict[str, dict] = {}
        self.rows: dict[str, dict] = {}

    def enter_dae(self) -> None:
        """Release the KD teacher (and its attention capture), then load the DAE phase's two target models: the
        three are never in memory at once."""
        self.layer_pairs = []
        release(self, "teacher", "teacher_hidden", "teacher_capture", "student_capture")
        self.targets = DomainTargets(self.job["dae"], self.student, self.device, self.run_dir)

    def autocast(self):
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.device.type == "cuda")

    def batch(self, ids: tuple[str, ...]) -> dict[str, torch.Tensor]:
        for i in ids:
            if i not in self._encoded:
                self._encoded[i] = encode(self.tokenizer, self.rows[i]["messages"], self.job["max_length"],
                                          self.job["max_prompt_length"])
        rows = [self._encoded[i] for i in ids]
        batch = {k: v.to(self.device) for k, v in collate(rows, self.tokenizer.pad_token_id,
                                                           self.speed.pad_multiple).items()}
        if self.packer is not None:  # the models run on the packed rows; the loss sees them as `batch` lays them out
            batch["packed"] = self.packer([r["input_ids"] for r in rows], batch["input_ids"].shape[1],
                                          self.tokenizer.pad_token_id, self.speed.pad_multiple).to(self.device)
        return {**batch, "row_ids": ids}

    def tokens(self, ids: tuple[str, ...]) -> int:
        """The non-padding tokens of a batch() made before, counted on the host (no device sync)."""
        return sum(len(self._encoded[i]["input_ids"]) for i in ids)

    def losses(self, batch: dict, temperature: float, kd_weight: float, train: bool = True,
               domain: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None, torch.Tensor]:
        """(total, ce, kd, attn, per_sample) for one micro-batch, each a mean over its answer tokens (kd None when
        kd_weight is 0, attn None without the attention loss; per_sample [B] over each sample's own tokens, CE and
        prediction-layer KD only). Position t's hidden state predicts token t+1, so hidden states drop the last
        position and targets and mask drop the first; the attention loss's query rows are the answer tokens
        themselves. `domain` ([B] bool, each row's is_domain) makes it a DAE step: the targets come from
        self.targets, not the teacher."""
        ids, attention = batch["input_ids"], batch["attention_mask"]
        mask = batch["labels_mask"][:, 1:].bool()
        student = self.trainable if train else self.student_hidden
        with_attention = bool(self.layer_pairs) and kd_weight > 0 and train

        def capturing(capture: AttentionCapture):
            return capture if with_attention else contextlib.nullcontext()

        with self.autocast():
            with capturing(self.student_capture):
                student_hidden = hidden_states(student, batch)[:, :-1]
            student_head = (self.compute.model if train else self.student).get_output_embeddings().weight
            if domain is not None:
                total, ce, kd, per_sample = self.targets.losses(student_hidden, student_head, ids, attention,
                                                                ids[:, 1:], mask, domain, temperature, kd_weight)
                return total, ce, kd if kd_weight > 0 else None, None, per_sample
            if kd_weight > 0 and self.cache is not None:
                cached = self.cache.read(batch["row_ids"], mask.sum(1).tolist(), self.device)
                total, ce, kd, per_sample = sparse_head_distill(self.job["loss"]["name"], student_hidden, student_head,
                                                                *cached, ids[:, 1:], mask, temperature=temperature,
                                                                kd_weight=kd_weight, **self.loss_params)
                return total, ce, kd, None, per_sample
            teacher_hidden = teacher_head = None
            if kd_weight > 0:  # plain fine-tuning needs no teacher pass
                with torch.no_grad(), capturing(self.teacher_capture):
                    teacher_hidden = hidden_states(self.teacher_hidden, batch)[:, :-1]
                teacher_head = self.teacher.get_output_embeddings().weight
            if self.device.type == "cpu":  # the forwards' freed heap temporaries, before the loss's chunks
                memory.release_freed_memory()
            total, ce, kd, per_sample = head_distill(self.job["loss"]["name"], student_hidden, student_head,
                                                     teacher_hidden, teacher_head, ids[:, 1:], mask,
                                                     temperature=temperature, kd_weight=kd_weight,
                                                     **self.loss_params)
            attn = None
            if with_attention:
                pairs = [(self.teacher_capture.layers[t], self.student_capture.layers[s]) for t, s in self.layer_pairs]
                attn = attention_kl(pairs, attention, batch["labels_mask"], self.attention["chunk_size"])
                total = total + kd_weight * self.attention["weight"] * attn
        return total, ce, kd if kd_weight > 0 else None, attn, per_sample

    @torch.no_grad()
    def eval_loss(self, ids: list[str]) -> float:
        """Mean CE of the student on the held-out gold answers: unlike the KD mix it does not move with a
        stage's temperature and KD weight, so evaluations across stages compare."""
        self.student.eval()
        total = 0.0
        size = self.job["optim"]["batch_size"]
        for start in range(0, len(ids), size):
            batch = self.batch(tuple(ids[start:start + size]))
            _, ce, _, _, _ = self.losses(batch, 1.0, 0.0, train=False)
            total += ce.item() * len(ids[start:start + size])
        self.student.train()
        return total / len(ids)

    def rouge_l(self, ids: list[str]) -> float | None:
        ev = self.job["eval"]
        prompts = [prompt_ids(self.tokenizer, self.rows[i]["messages"], self.job["max_prompt_length"]) for i in ids]
        answers = greedy_answers(self.student, self.tokenizer, prompts, ev["max_new_tokens"],
                                 batch_size=self.job["optim"]["batch_size"])
        return mean_rouge_l(answers, [last_answer(self.rows[i]["messages"]) for i in ids])

    def save_final(self, out_dir: Path, roots: list[Path], state_dict: dict | None = None) -> Path:
        with confine.writing_into(out_dir, roots) as out_dir:
            # A weights file left there may be hard-linked from another run's checkpoint: writing it in place
            # would change that checkpoint too, so the link is dropped first.
            (out_dir / checkpoint.WEIGHTS).unlink(missing_ok=True)
            self.student.config.use_cache = True
            self.student.save_pretrained(out_dir, state_dict=state_dict)
            self.tokenizer.save_pretrained(out_dir)
        return out_dir


def _bounds(keys: list) -> dict:
    """key → (first global step, number of steps), for each step's key (its stage, or its phase)."""
    bounds: dict = {}
    for n, key in enumerate(keys):
        first, count = bounds.get(key, (n, 0))
        bounds[key] = (first, count + 1)
    return bounds


def run_job(job: dict, run_dir: Path, events: EventWriter, resume: bool = False) -> dict:
    started = time.monotonic()
    optim = job["optim"]
    seed_everything(job["seed"])
    device = distributed.init(resolve_device(job["device"]))

    train_rows = read_rows(run_dir / job["train_data"])
    check_domain_flags(train_rows, run_dir / job["train_data"])
    eval_rows = read_rows(run_dir / job["eval_data"]) if job.get("eval_data") else []
    plan = read_plan(run_dir / job["plan"], {r["id"] for r in train_rows})
    check_phases(plan, job)
    steps = planned_steps(plan, job["seed"], optim["batch_size"], optim["grad_accum"])
    stages = plan["stages"]
    bounds = _bounds([step.stage for step in steps])
    phase_bounds = _bounds([stage_phase(stages[step.stage]) for step in steps])
    # Phases are named in events only by a plan that has a DAE phase: a plain KD run's events stay as they were.
    phased = DAE in phase_bounds
    num_buckets = bucket_count(plan)
    roots = confine.write_roots(job, run_dir)
    confine.check(run_dir / job["output_dir"], roots)  # fail before training, not only at the final write

    model = Distiller(job, run_dir, device)
    if phased:
        check_tokenizers(job["dae"], model.tokenizer, run_dir)
    model.rows = {r["id"]: r for r in train_rows}
    eval_ids = [f"eval:{r['id']}" for r in eval_rows]
    model.rows.update(zip(eval_ids, eval_rows))
    if model.cache is not None:
        model.cache.check_rows([model.rows[i] for i in dict.fromkeys(
            i for s in stages if stage_phase(s) != DAE and s["kd_weight"] > 0 for i in s["sample_ids"])])
        events.log(f"the teacher does not run: its top-{model.cache.manifest['top_k']} log-probabilities come from "
                   f"teacher_cache {job['teacher_cache']} ({model.cache.manifest['tokens']} answer tokens)")
    rouge_ids = eval_ids[: job["eval"]["num_prompts"]]
    events.log(f"teacher {job['teacher']['source']}, student {job['student']['source']} "
               f"({sum(p.numel() for p in model.student.parameters()) / 1e6:.1f}M parameters) on {device}; "
               f"{len(steps)} optimizer steps in {len(stages)} stage(s)")

    # Position and counters; a resumed run takes them from its last checkpoint.
    start_step, tokens_seen, train_seconds, earlier_wall = 0, 0, 0.0, 0.0
    resumed_state = None
    folder = checkpoint.latest(run_dir) if resume else None
    if resume and folder is None:
        events.log("--resume given but no checkpoint exists yet: starting from step 0", level="warning")
    if folder is not None:
        position = checkpoint.read_position(folder)
        distributed.load_weights(folder, model.student, device)
        model.compute.weights_from_master()
        resumed_state = checkpoint.load_state(folder)
        start_step, tokens_seen = position["step"], position["tokens_seen"]
        train_seconds, earlier_wall = position["train_seconds"], position["wall_seconds"]
        events.log(f"resumed from {folder.relative_to(run_dir)} at step {start_step}")

    def save_checkpoint(step: int, stage: int, reason: str) -> None:
        student, optimizer_state = distributed.saveable(model.student, optimizer)
        if distributed.is_main():
            path = checkpoint.save(run_dir, step, student, optimizer_state, scheduler,
                                   {"stage": stage + 1, "tokens_seen": tokens_seen, "train_seconds": train_seconds,
                                    "wall_seconds": earlier_wall + time.monotonic() - started},
                                   roots, job["keep_checkpoints"])
            events.emit("checkpoint", step=step, stage=stage + 1,
                        path=str(checkpoint.checkpoints_dir(Path()) / path.name), reason=reason)
        distributed.barrier()

    def evaluate(step: int, stage: int) -> dict:
        result = {}
        if distributed.evaluates_here(model.student):
            with distributed.whole(model.student_hidden):
                result = {"eval_loss": model.eval_loss(eval_ids), "rouge_l": model.rouge_l(rouge_ids)}
        if distributed.is_main():
            events.emit("eval", step=step, stage=stage + 1, num_samples=len(eval_ids), **result)
            checkpoint.record_eval(run_dir, step, result["eval_loss"], roots, job["keep_checkpoints"])
        distributed.barrier()
        return result

    optimizer = scheduler = None
    last_eval: dict = {}
    step_seconds: list[float] = []
    sigterm = SigtermFlag()
    try:
        for n in range(start_step, len(steps)):
            planned = steps[n]
            stage = stages[planned.stage]
            first, count = bounds[planned.stage]
            phase = stage_phase(stage)
            phase_first, phase_count = phase_bounds[phase]
            if phase == DAE and model.targets is None:
                model.enter_dae()
                events.log(f"DAE phase: the teacher is released; domain rows learn from the expert "
                           f"({job['dae']['expert']['source']}), the others from the reference "
                           f"({job['dae']['reference']['source']})")
            if phased and n == phase_first:
                phase_ids = [i for s in stages if stage_phase(s) == phase for i in s["sample_ids"]]
                events.emit("phase", phase=phase, index=list(phase_bounds).index(phase) + 1,
                            num_phases=len(phase_bounds), step=n, steps=phase_count, stage=planned.stage + 1,
                            num_samples=len(phase_ids),
                            domain_samples=sum(bool(model.rows[i].get("is_domain")) for i in phase_ids)
                            if phase == DAE else None)
            if n == first:
                events.emit("stage", stage=planned.stage + 1, num_stages=len(stages), step=n,
                            temperature=stage["temperature"], kd_weight=stage["kd_weight"],
                            num_samples=len(stage["sample_ids"]), steps=count, phase=phase if phased else None)
            # A phase starts a new training of the student (the DAE phase from the KD student), so it always
            # gets a fresh optimizer; within a phase, optim.per_stage decides.
            fresh = n == phase_first or (n == first and optim["per_stage"] == "fresh")
            if optimizer is None or fresh:
                phase_optim = {**optim, "lr": job["dae"].get("lr") or optim["lr"]} if phase == DAE else optim
                optimizer, scheduler = make_optimizer(model.student, phase_optim,
                                                      count if optim["per_stage"] == "fresh" else phase_count,
                                                      fused=model.speed.fused_adamw)
                # A checkpoint taken at a stage's end holds the finished stage's optimizer: a fresh stage
                # starts without it.
                if resumed_state is not None and not fresh:
                    distributed.load_optimizer(optimizer, resumed_state["optimizer"], model.student)
                    scheduler.load_state_dict(resumed_state["scheduler"])
                if resumed_state is not None:
                    checkpoint.set_rng_state(resumed_state["rng"])
                    resumed_state = None

            t0 = time.monotonic()
            lr = scheduler.get_last_lr()[0]
            # Sums stay on the device (float64, as the Python floats they replace) and are read once per step:
            # a read per micro-batch would make the host wait for the GPU before queueing the next one.
            sums = torch.zeros(4, dtype=torch.float64, device=device)  # loss, ce, kd, attn
            per_sample_losses = []  # (buckets or None, is_domain or None, per_sample) per micro-batch
            step_tokens = 0
            for i, ids in enumerate(planned.micro_batches):
                ids = distributed.shard(ids)
                batch = model.batch(ids)
                is_domain = domain = None
                if phase == DAE:
                    is_domain = [bool(model.rows[s].get("is_domain")) for s in ids]
                    domain = torch.tensor(is_domain, device=device)
                with distributed.accumulating(model.trainable, last=i == len(planned.micro_batches) - 1):
                    loss, ce, kd, attn, per_sample = model.losses(batch, stage["temperature"], stage["kd_weight"],
                                                                  domain=domain)
                    (loss / len(planned.micro_batches)).backward()
                buckets = distributed.shard(planned.micro_buckets[i]) if planned.micro_buckets else None
                per_sample_losses.append((buckets, is_domain, per_sample))
                zero = loss.new_zeros(())
                parts = [loss, ce, zero if kd is None else kd, zero if attn is None else attn]
                sums += torch.stack([p.detach().double() for p in parts]) / len(planned.micro_batches)
                step_tokens += model.tokens(ids)
            model.compute.grads_to_master()
            by_bucket = BucketLoss(num_buckets)
            by_group = BucketLoss(len(GROUP_NAMES))
            for buckets, is_domain, per_sample in per_sample_losses:
                if buckets:
                    by_bucket.add(buckets, per_sample)
                if is_domain is not None:
                    by_group.add(tuple(1 if d else 2 for d in is_domain), per_sample)
            totals = dict(zip(("loss", "ce", "kd", "attn"), distributed.mean(sums.tolist(), device)))
            step_tokens = distributed.total(step_tokens, device)
            bucket_loss = (by_bucket.means(device) or None) if num_buckets else None
            group_loss = {GROUP_NAMES[g]: v for g, v in by_group.means(device).items()} if phase == DAE else None
            grad_norm = distributed.grad_norm(model.student, optim["grad_clip"])
            if not (math.isfinite(totals["loss"]) and math.isfinite(grad_norm)):
                raise JobError(f"the loss or gradient became {totals['loss']} / {grad_norm} at step {n + 1} "
                               f"(stage {planned.stage + 1}); try a lower optim.lr")
            optimizer.step()
            model.compute.weights_from_master()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            elapsed = time.monotonic() - t0
            step_seconds.append(elapsed)
            train_seconds += elapsed
            tokens_seen += step_tokens
            done = n + 1
            eta = sum(step_seconds[-20:]) / len(step_seconds[-20:]) * (len(steps) - done)
            events.emit("metric", step=done, stage=planned.stage + 1, epoch=planned.epoch + 1,
                        loss=totals["loss"], ce_loss=totals["ce"],
                        kd_loss=totals["kd"] if stage["kd_weight"] > 0 else None,
                        attn_loss=totals["attn"] if model.layer_pairs and stage["kd_weight"] > 0 else None,
                        temperature=stage["temperature"], kd_weight=stage["kd_weight"], lr=lr,
                        grad_norm=grad_norm, tokens_per_s=step_tokens / elapsed, tokens_seen=tokens_seen,
                        peak_mem_mb=peak_mem_mb(device), eta_s=eta, bucket_loss=bucket_loss,
                        phase=phase if phased else None, group_loss=group_loss or None)
            events.progress(done, len(steps), "steps", stage=planned.stage + 1, eta_s=eta)

            stage_end = done == first + count
            if stage_end:
                save_checkpoint(done, planned.stage, "stage_end")
            elif job["checkpoint_every"] and done % job["checkpoint_every"] == 0:
                save_checkpoint(done, planned.stage, "interval")
            if eval_ids and job["eval"]["every"] and done % job["eval"]["every"] == 0:
                last_eval = {"step": done, **evaluate(done, planned.stage)}
            # Every rank joins this vote each step, so all stop after the same step.
            if distributed.any_rank(sigterm.raised, device) and done < len(steps):
                save_checkpoint(done, planned.stage, "signal")
                message = f"stopped by SIGTERM at step {done}; resume with --resume"
                events.log(message, level="warning")
                raise Stopped(message, SIGTERM_EXIT)
        final_step = len(steps)
        if eval_ids and last_eval.get("step") != final_step:
            last_eval = {"step": final_step, **evaluate(final_step, steps[-1].stage)}
        student, _ = distributed.saveable(model.student)
        if distributed.is_main():
            final_dir = model.save_final(run_dir / job["output_dir"], roots,
                                         None if student is model.student else student.state_dict())
            if checkpoint.share_final_weights(run_dir, final_step, final_dir, student):
                events.log(f"the last checkpoint's weights are a hard link to {job['output_dir']}: stored once")
            events.emit("checkpoint", step=final_step, stage=steps[-1].stage + 1, path=job["output_dir"],
                        reason="final")
        distributed.barrier()
    finally:
        sigterm.restore()
        distributed.finish()
    return {
        "output_dir": job["output_dir"],
        "steps": final_step,
        "eval_loss": last_eval.get("eval_loss"),
        "rouge_l": last_eval.get("rouge_l"),
        "tokens_per_s": tokens_seen / train_seconds if train_seconds else None,
        "tokens_seen": tokens_seen,
        "wall_s": earlier_wall + time.monotonic() - started,  # across resumes, without the time stopped
    }
