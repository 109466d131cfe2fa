"""Teacher and student loading from job.json references, with the real embedded SmolLM2 GGUF."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from transformers import LlamaConfig, LlamaForCausalLM

from distill.contract import JobError
from distill.models import (check_linear_head, embedded_gguf_path, evenly_spaced_layers, load_student, load_teacher,
                            load_tokenizer, resolve_device)

CPU = torch.device("cpu")
EMBEDDED = {"source": "embedded"}


@pytest.fixture(scope="module")
def teacher():
    return load_teacher(EMBEDDED, CPU)


def test_embedded_teacher_is_smollm2_frozen_and_answers(teacher):
    model, tokenizer = teacher
    assert model.config.num_hidden_layers == 30 and model.config.vocab_size == 49152
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    ids = tokenizer.apply_chat_template([{"role": "user", "content": "What is the capital of France?"}],
                                        add_generation_prompt=True, return_tensors="pt")["input_ids"]
    answer = tokenizer.decode(model.generate(ids, max_new_tokens=12, do_sample=False)[0, ids.shape[1]:])
    assert "Paris" in answer


def test_a_gguf_reference_to_the_embedded_file_loads_the_same_weights(teacher):
    model, _ = teacher
    same, _ = load_teacher({"source": "gguf", "path": str(embedded_gguf_path())}, CPU)
    assert torch.equal(same.model.layers[7].mlp.up_proj.weight, model.model.layers[7].mlp.up_proj.weight)
    assert load_tokenizer(EMBEDDED).vocab_size == 49152


def test_evenly_spaced_layers_keep_the_first_and_last():
    assert evenly_spaced_layers(30, 6) == [0, 6, 12, 17, 23, 29]
    assert evenly_spaced_layers(30, 1) == [0]
    with pytest.raises(JobError, match="only 30 layers"):
        evenly_spaced_layers(30, 31)


def test_pruned_student_copies_the_chosen_layers_embeddings_and_head(teacher):
    model, tokenizer = teacher
    student = load_student({"source": "pruned", "num_layers": 6}, model, EMBEDDED, CPU)
    assert student.config.num_hidden_layers == 6 and len(student.model.layers) == 6
    assert student.training and all(p.requires_grad for p in student.parameters())
    for new, old in enumerate([0, 6, 12, 17, 23, 29]):
        assert torch.equal(student.model.layers[new].self_attn.q_proj.weight, model.model.layers[old].self_attn.q_proj.weight)
        assert student.model.layers[new].self_attn.layer_idx == new  # KV cache slots follow the new numbering
    assert torch.equal(student.model.embed_tokens.weight, model.model.embed_tokens.weight)
    assert torch.equal(student.model.norm.weight, model.model.norm.weight)
    # The copy is independent: training the student must not touch the frozen teacher.
    with torch.no_grad():
        student.model.embed_tokens.weight.add_(1.0)
    assert not torch.equal(student.model.embed_tokens.weight, model.model.embed_tokens.weight)
    ids = torch.tensor([[1, 2, 3]])
    assert student.generate(ids, max_new_tokens=3, do_sample=False).shape == (1, 6)


def test_pruned_student_with_exact_layers_and_a_saved_dir_student(teacher, tmp_path):
    model, _ = teacher
    student = load_student({"source": "pruned", "num_layers": 2, "layers": [3, 20]}, model, EMBEDDED, CPU)
    assert torch.equal(student.model.layers[1].mlp.down_proj.weight, model.model.layers[20].mlp.down_proj.weight)
    student.save_pretrained(tmp_path / "student")
    reloaded = load_student({"source": "dir", "path": "student"}, model, EMBEDDED, CPU, base_dir=tmp_path)
    assert torch.equal(reloaded.model.layers[1].mlp.down_proj.weight, model.model.layers[20].mlp.down_proj.weight)
    with pytest.raises(JobError, match=r"layers \[3, 30\]"):
        load_student({"source": "pruned", "num_layers": 2, "layers": [3, 30]}, model, EMBEDDED, CPU)


def test_a_pruned_student_computes_what_its_layers_do_in_the_teacher(teacher):
    # Keeping all 30 layers gives the teacher back, logit for logit, and copying leaves the teacher whole. So a
    # freshly pruned student's high first losses (CE ≈ 67 nats with 2 of 30 layers, ≈ 17 with 6, against ln V ≈ 10.8
    # for a uniform guess) are the confident wrong guesses of a network missing most of its layers, not a bug.
    model, _ = teacher
    whole = load_student({"source": "pruned", "num_layers": 30}, model, EMBEDDED, CPU)
    assert len(model.model.layers) == 30 and whole is not model
    ids = torch.tensor([[1, 504, 3458, 314, 2]])
    with torch.no_grad():
        torch.testing.assert_close(whole(input_ids=ids).logits, model(input_ids=ids).logits)


def test_only_an_output_layer_that_is_a_plain_matmul_is_accepted(teacher):
    check_linear_head(teacher[0])
    tiny = LlamaForCausalLM(LlamaConfig(vocab_size=32, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                        num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=False))
    check_linear_head(tiny)
    tiny.lm_head = nn.Linear(16, 32, bias=True)
    nn.init.constant_(tiny.lm_head.bias, 1.0)
    with pytest.raises(JobError, match="output-layer weight"):
        check_linear_head(tiny)


def test_init_student_takes_the_teachers_config_with_overrides(teacher):
    model, _ = teacher
    torch.manual_seed(0)
    student = load_student({"source": "init", "config": {"num_hidden_layers": 2, "intermediate_size": 256}},
                           model, EMBEDDED, CPU)
    assert (student.config.num_hidden_layers, student.config.intermediate_size) == (2, 256)
    assert student.config.hidden_size == model.config.hidden_size
    assert not torch.equal(student.model.embed_tokens.weight, model.model.embed_tokens.weight)
    with pytest.raises(JobError, match="not_a_field"):
        load_student({"source": "init", "config": {"not_a_field": 1}}, model, EMBEDDED, CPU)


def test_student_with_another_vocabulary_is_refused_naming_both_sizes(teacher):
    model, _ = teacher
    with pytest.raises(JobError, match=r"teacher has 49152 tokens and the student 1000"):
        load_student({"source": "init", "config": {"vocab_size": 1000, "num_hidden_layers": 1}}, model, EMBEDDED, CPU)


def test_a_student_with_its_own_weights_loads_without_the_teacher_against_its_vocabulary_size(teacher, tmp_path):
    # A run on the teacher-logit cache has the teacher's vocabulary size only: its path does not exist here.
    model, _ = teacher
    load_student({"source": "pruned", "num_layers": 1}, model, EMBEDDED, CPU).save_pretrained(tmp_path / "student")
    absent = {"source": "dir", "path": str(tmp_path / "no-teacher")}
    student = load_student({"source": "dir", "path": "student"}, None, absent, CPU, tmp_path, teacher_vocab=49152)
    assert student.training and all(p.requires_grad for p in student.parameters())
    with pytest.raises(JobError, match=r"teacher has 1000 tokens and the student 49152"):
        load_student({"source": "dir", "path": "student"}, None, absent, CPU, tmp_path, teacher_vocab=1000)


def test_missing_paths_and_devices_are_job_errors(tmp_path):
    with pytest.raises(JobError, match="does not exist"):
        load_teacher({"source": "dir", "path": str(tmp_path / "nothing")}, CPU)
    assert resolve_device("cpu") == CPU
    if not torch.cuda.is_available():
        assert resolve_device("auto") == CPU
        with pytest.raises(JobError, match="no CUDA device"):
            resolve_device("cuda")


def test_the_dequantized_gguf_cache_is_keyed_by_content_not_by_path(tmp_path):
    from distill.models import _gguf_cache_dir
    original = embedded_gguf_path()
    copy = tmp_path / "elsewhere" / original.name
    copy.parent.mkdir()
    copy.write_bytes(original.read_bytes())
    assert _gguf_cache_dir(copy) == _gguf_cache_dir(original)
    data = bytearray(copy.read_bytes())
    data[100] ^= 0xFF
    copy.write_bytes(data)
    assert _gguf_cache_dir(copy) != _gguf_cache_dir(original)
