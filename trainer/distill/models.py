"""Teacher and student models from job.json references (lib/contracts/job.ts modelRef / studentRef).

No model hub at run time: models come from the embedded package, a local Hugging Face folder, a local GGUF
file, or are derived from the teacher (layer-pruned copy, fresh init from its config).
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
from pathlib import Path

import torch
from torch import nn
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, PreTrainedModel
from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint
from transformers.utils import logging as hf_logging

from distill.contract import JobError
from distill.embedded import embedded_gguf_path

# Loading bars would flood a run's stderr log, which the studio keeps.
hf_logging.disable_progress_bar()


def resolve_device(name: str = "auto") -> torch.device:
    """`auto` takes CUDA when present; asking for CUDA on a machine without it is the user's error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise JobError("job.device is 'cuda' but no CUDA device is available on this machine")
    return torch.device(name)


def cache_root() -> Path:
    return Path(os.environ.get("DISTILL_CACHE") or Path.home() / ".cache" / "distill")


_IDENTITY_HEAD = 1 << 20
_IDENTITY_BLOCKS = 16
_IDENTITY_BLOCK = 1 << 16


def file_identity(path: Path) -> str:
    """A file's content (a GGUF, a weights file), sampled: its size, its first MiB (a GGUF's header: architecture,
    tokenizer, tensor table) and 16 blocks spread over the tensor data. A path or mtime key made a new 0.5 GB copy
    for every virtual environment holding the same package; hashing a multi-GB file whole would cost seconds on
    every load."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as f:
        digest.update(f.read(_IDENTITY_HEAD))
        for i in range(_IDENTITY_BLOCKS):
            f.seek(size * i // _IDENTITY_BLOCKS)
            digest.update(f.read(_IDENTITY_BLOCK))
    return digest.hexdigest()[:16]


def _gguf_cache_dir(gguf: Path) -> Path:
    return cache_root() / "gguf" / f"{gguf.stem}-{file_identity(gguf)}"


def _dequantize_gguf(gguf: Path) -> tuple[PreTrainedModel, object]:
    # from_pretrained(gguf_file=...) insists on accelerate; building from the GGUF's config and loading the
    # dequantized tensors by hand needs only gguf, which transformers already uses for the name mapping.
    config = AutoConfig.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_config(config)
    tensors = load_gguf_checkpoint(str(gguf), return_tensors=True, model_to_load=model)["tensors"]
    missing, unexpected = model.load_state_dict({k: torch.as_tensor(v) for k, v in tensors.items()}, strict=False)
    tied = {"lm_head.weight"} if config.tie_word_embeddings else set()
    if set(missing) - tied or unexpected:
        raise JobError(f"{gguf}: weights do not match a {config.model_type} model "
                       f"(missing {sorted(set(missing) - tied)[:5]}, unexpected {unexpected[:5]})")
    model.tie_weights()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    return model, tokenizer


def gguf_as_hf_dir(gguf: Path) -> Path:
    """A Hugging Face folder holding the dequantized GGUF, written once: dequantizing takes ~30 s on CPU,
    loading the folder ~2 s."""
    target = _gguf_cache_dir(gguf)
    if (target / "config.json").exists():
        return target
    model, tokenizer = _dequantize_gguf(gguf)
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    try:
        partial.rename(target)
    except OSError:  # another process finished the same folder first
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _model_dir(ref: dict, base_dir: Path | None) -> Path:
    if ref["source"] == "embedded":
        return gguf_as_hf_dir(embedded_gguf_path())
    path = Path(ref["path"]).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.exists():
        raise JobError(f"model path {path} (source {ref['source']!r}) does not exist")
    if ref["source"] == "gguf":
        return gguf_as_hf_dir(path)
    return path


def model_identity(ref: dict, base_dir: Path | None = None) -> str:
    """The identity of a modelRef's config and weights by their content, not their path: a model copied elsewhere
    keeps it, retrained weights change it (the teacher-logit cache's key)."""
    path = _model_dir(ref, base_dir)
    digest = hashlib.sha256()
    for file in sorted(path.iterdir()):
        if file.name == "config.json" or file.suffix in (".safetensors", ".bin"):
            digest.update(f"{file.name}:{file_identity(file)}".encode())
    return digest.hexdigest()[:16]


def _load_dir(path: Path, device: torch.device) -> PreTrainedModel:
    # fp32 weights everywhere: CUDA runs under bf16 autocast, and the optimizer wants fp32 master weights.
    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).to(device)


def load_teacher(ref: dict, device: torch.device, base_dir: Path | None = None):
    """(model, tokenizer) for a modelRef, frozen and in eval mode."""
    path = _model_dir(ref, base_dir)
    model = _load_dir(path, device)
    model.eval().requires_grad_(False)
    return model, _tokenizer_at(path)


def _tokenizer_at(path: Path):
    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_tokenizer(ref: dict, base_dir: Path | None = None):
    """The tokenizer of a modelRef, without loading the model's weights onto a device."""
    return _tokenizer_at(_model_dir(ref, base_dir))


def evenly_spaced_layers(total: int, keep: int) -> list[int]:
    """`keep` indices in [0, total) spread evenly, always including the first and the last layer."""
    if keep > total:
        raise JobError(f"student.num_layers is {keep} but the teacher has only {total} layers")
    if keep == 1:
        return [0]
    return [round(i * (total - 1) / (keep - 1)) for i in range(keep)]


def pruned_layers(ref: dict, teacher_depth: int) -> list[int]:
    """The teacher layers a pruned studentRef keeps, in order: student layer i is a copy of teacher layer [i]."""
    return list(ref.get("layers") or evenly_spaced_layers(teacher_depth, ref["num_layers"]))


def pruned_copy(teacher: PreTrainedModel, layers: list[int]) -> PreTrainedModel:
    total = teacher.config.num_hidden_layers
    bad = [i for i in layers if i >= total]
    if bad or len(set(layers)) != len(layers) or not layers:
        raise JobError(f"student.layers {layers} must be distinct indices below the teacher's {total} layers")
    # Deep-copy the teacher while only the kept layers hang in it, so the dropped ones are never copied.
    all_layers = teacher.model.layers
    teacher.model.layers = nn.ModuleList(all_layers[i] for i in layers)
    try:
        student = copy.deepcopy(teacher)
    finally:
        teacher.model.layers = all_layers
    for new_idx, layer in enumerate(student.model.layers):
        # The KV cache is indexed by layer_idx: renumber so generation with a cache stays correct.
        layer.self_attn.layer_idx = new_idx
    student.config.num_hidden_layers = len(layers)
    if getattr(student.config, "layer_types", None):
        student.config.layer_types = [student.config.layer_types[i] for i in layers]
    return student


def _init_from_config(teacher: PreTrainedModel, overrides: dict) -> PreTrainedModel:
    config = copy.deepcopy(teacher.config)
    for key, value in overrides.items():
        if not hasattr(config, key):
            raise JobError(f"student.config.{key} is not a field of the teacher's {config.model_type} config")
        setattr(config, key, value)
    if "num_hidden_layers" in overrides and getattr(config, "layer_types", None):
        config.layer_types = config.layer_types[: config.num_hidden_layers]
    return AutoModelForCausalLM.from_config(config, dtype=torch.float32)


@torch.no_grad()
def check_linear_head(model: PreTrainedModel) -> None:
    """The trainer's losses take the last hidden states and apply the output layer's weight themselves, which
    is right only when the logits are exactly last_hidden_state @ weight.T (Llama, Qwen, Mistral, SmolLM...).
    Checked on a few tokens; a model whose head adds a bias, or scales or soft-caps the logits, is refused."""
    was_training = model.training
    model.eval()
    ids = torch.arange(8, device=model.device)[None]
    hidden = model.get_decoder()(input_ids=ids).last_hidden_state
    plain = torch.allclose(hidden @ model.get_output_embeddings().weight.T, model(input_ids=ids).logits,
                           rtol=1e-4, atol=1e-4)
    model.train(was_training)
    if not plain:
        raise JobError(f"the {model.config.model_type} model's logits are not its last hidden state times its "
                       "output-layer weight (a bias, scaled or soft-capped logits): the trainer does not support it")


def vocab_size(model: PreTrainedModel) -> int:
    return model.get_output_embeddings().weight.shape[0]


def check_vocab(teacher_vocab: int, student: PreTrainedModel) -> None:
    s = vocab_size(student)
    if teacher_vocab != s:
        raise JobError(f"vocabulary mismatch: the teacher has {teacher_vocab} tokens and the student {s}; white-box KD "
                       "compares distributions token by token, so both must share one tokenizer")


def load_student(ref: dict, teacher_model: PreTrainedModel | None, teacher_ref: dict, device: torch.device,
                 base_dir: Path | None = None, teacher_vocab: int | None = None) -> PreTrainedModel:
    """The trainable student for a studentRef, in train mode, its vocabulary checked against the teacher's.
    Without `teacher_model` (none loaded) a pruned or init student loads the teacher from `teacher_ref` to be
    derived from it; a student with its own weights is checked against `teacher_vocab` when given (a run on the
    teacher-logit cache never loads the teacher), else the teacher is loaded to check it."""
    source = ref["source"]
    if teacher_model is None and (teacher_vocab is None or source in ("pruned", "init")):
        teacher_model, _ = load_teacher(teacher_ref, device, base_dir)
    if source == "pruned":
        student = pruned_copy(teacher_model, pruned_layers(ref, teacher_model.config.num_hidden_layers))
    elif source == "init":
        student = _init_from_config(teacher_model, ref["config"])
    else:
        student = _load_dir(_model_dir(ref, base_dir), device)
    check_vocab(vocab_size(teacher_model) if teacher_model is not None else teacher_vocab, student)
    student = student.to(device=device, dtype=torch.float32)
    student.train().requires_grad_(True)
    return student


class HiddenStates(nn.Module):
    """A causal LM without its output layer: forward gives the last hidden states [B, T, H] (after the final
    norm), which `head_distill` turns into logits for the answer tokens only. Under torchrun DDP wraps this
    module (or FSDP makes it the root unit, distill.fsdp), so every training forward passes through it and all
    the LM's gradients are reduced, the output layer's included (it gets its gradient through the loss)."""

    def __init__(self, lm: nn.Module):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None,
                position_ids: torch.Tensor | None = None) -> torch.Tensor:
        # No KV cache: a training forward never reuses it, and with one transformers would not read packed rows'
        # bounds from position_ids (distill.packing).
        return self.lm.get_decoder()(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                                     use_cache=False).last_hidden_state
