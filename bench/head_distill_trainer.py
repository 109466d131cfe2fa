"""`python bench/head_distill_trainer.py run RUN_DIR`: the trainer's CLI with Distiller.losses replaced by the
version proposed for distill/train.py, which feeds the models' last hidden states to distill.losses.head_distill
instead of materialising both models' full logits (and a full-vocabulary CE). Only the benchmark uses this
(`trainer_throughput.py --ours head`), to measure the proposal before the trainer adopts it."""

from __future__ import annotations

import sys

import torch

from distill import train
from distill.cli import main
from distill.losses import head_distill


def losses(self, batch: dict, temperature: float, kd_weight: float, train: bool = True):
    """(total, ce, kd) as Distiller.losses returns them. Position t's hidden state predicts token t + 1.
    Single process only: under torchrun the DDP wrapper would have to wrap the student's decoder, which this
    path calls directly."""
    ids, attention = batch["input_ids"], batch["attention_mask"]
    mask = batch["labels_mask"][:, 1:].bool()
    with self.autocast():
        student_hidden = self.student.get_decoder()(input_ids=ids, attention_mask=attention).last_hidden_state
        teacher_hidden = teacher_head = None
        if kd_weight > 0:
            with torch.no_grad():
                teacher_hidden = self.teacher.get_decoder()(input_ids=ids, attention_mask=attention).last_hidden_state[:, :-1]
            teacher_head = self.teacher.get_output_embeddings().weight
        total, ce, kd = head_distill(self.job["loss"]["name"], student_hidden[:, :-1],
                                     self.student.get_output_embeddings().weight, teacher_hidden, teacher_head,
                                     ids[:, 1:], mask, temperature=temperature, kd_weight=kd_weight,
                                     **self.loss_params)
    return total, ce, kd if kd_weight > 0 else None


train.Distiller.losses = losses

if __name__ == "__main__":
    sys.exit(main())
