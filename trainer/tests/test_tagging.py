"""Task-type tagging: the labelled examples, the embedded MiniLM tagger (its fit, cache and accuracy on
MT-Bench and Vicuna-bench questions we did not write), a local checkpoint tagger, and job kind "tag"."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

from distill.tagging import classifier, examples, heldout, load_tagger, tag_texts, taggers, taxonomy
from distill.tagging.embedder import embedder, model_dir

EMBEDDED = {"source": "embedded"}


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    """A fresh cache, so the first load really fits the classifier; shared by the module's tests. The taggers an
    earlier test module loaded in this process are forgotten, or the first load here would not touch the cache."""
    path = tmp_path_factory.mktemp("distill-cache")
    old = os.environ.get("DISTILL_CACHE")
    os.environ["DISTILL_CACHE"] = str(path)
    taggers._loaded.clear()
    yield path
    if old is None:
        del os.environ["DISTILL_CACHE"]
    else:
        os.environ["DISTILL_CACHE"] = old


def test_examples_cover_every_label_with_complete_rows():
    rows = examples.load()
    counts = Counter(r["label"] for r in rows)
    assert set(counts) == set(taxonomy.labels())
    assert min(counts.values()) >= 10, counts
    assert all(r["instruction"].strip() and r["output"].strip() for r in rows)
    prompts = [examples.prompt(r["instruction"], r["input"]) for r in rows]
    assert len(set(prompts)) == len(prompts), "duplicate example prompts"


def _word_ngrams(text: str, n: int = 6) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_examples_share_no_phrase_with_the_heldout_questions():
    held = set().union(*(_word_ngrams(q.text) for q in heldout.questions()))
    for r in examples.load():
        shared = _word_ngrams(examples.prompt(r["instruction"], r["input"])) & held
        assert not shared, f"example {r['instruction']!r} shares {shared} with an evaluation question"


def test_fit_is_deterministic_and_the_cache_returns_the_same_classifier(cache_dir):
    tagger = load_tagger(EMBEDDED)
    cached = list((cache_dir / "tagger").glob("*.npz"))
    assert len(cached) == 1 and examples.digest()[:16] in cached[0].name
    assert tagger.name == f"minilm-l6+logreg@{examples.digest()[:8]}"
    again, _ = classifier.fitted(embedder())  # from the cache file
    np.testing.assert_array_equal(again.coef, tagger.classifier.coef)
    rows = examples.load()[:64]
    features = embedder().embed([examples.prompt(r["instruction"], r["input"]) for r in rows])
    labels = [r["label"] for r in rows]
    first, second = classifier.fit(features, labels), classifier.fit(features, labels)
    np.testing.assert_array_equal(first.coef, second.coef)
    np.testing.assert_array_equal(first.intercept, second.intercept)


def test_embedding_is_a_unit_vector_independent_of_batching():
    texts = ["Translate 'good night' into French.", "Why is the sea salty?", "Write a haiku about rain, please, now."]
    together = embedder().embed(texts, batch_size=3)
    alone = np.concatenate([embedder().embed([t]) for t in texts])
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_tag_texts_returns_taxonomy_labels_with_probabilities():
    tags = tag_texts(["Solve 2x + 3 = 11 for x.", "Translate 'I love books' into Spanish.", ""], EMBEDDED)
    assert [label for label, _ in tags[:2]] == ["Math", "Multilingual"]
    assert all(label in taxonomy.labels() and 0 < p <= 1 for label, p in tags)
    assert tag_texts([], EMBEDDED) == []


def test_accuracy_on_mt_bench_and_vicuna_questions_is_at_least_75_percent():
    questions = heldout.questions()
    assert len(questions) == 160
    predicted = [label for label, _ in tag_texts([q.text for q in questions], EMBEDDED)]
    report = heldout.evaluate(questions, predicted)
    print("\n" + report.table())
    assert report.accuracy >= 0.75


def test_checkpoint_tagger_reads_labels_from_id2label_and_sends_unknown_ones_to_others(tmp_path):
    names = list(taxonomy.labels()) + ["Cooking"]
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, id2label=dict(enumerate(names)),
                        label2id={n: i for i, n in enumerate(names)})
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    with torch.no_grad():  # make the unknown label win, whatever the text
        model.classifier.bias[len(names) - 1] = 100.0
    checkpoint = tmp_path / "tiny-tagger"
    model.save_pretrained(checkpoint)
    AutoTokenizer.from_pretrained(model_dir()).save_pretrained(checkpoint)

    tagger = load_tagger({"source": "dir", "path": "tiny-tagger"}, base_dir=tmp_path)
    assert tagger.name == "hf:tiny-tagger"
    tags = tagger.tag(["What is the capital of Peru?", "Fix my loop"], batch_size=1)
    assert [label for label, _ in tags] == ["Others", "Others"]
    assert all(p > 0.99 for _, p in tags)
    with torch.no_grad():
        model.classifier.bias[len(names) - 1] = 0.0
        model.classifier.bias[names.index("Music")] = 100.0
    model.save_pretrained(tmp_path / "music-tagger")
    AutoTokenizer.from_pretrained(model_dir()).save_pretrained(tmp_path / "music-tagger")
    assert tag_texts(["anything"], {"source": "dir", "path": str(tmp_path / "music-tagger")})[0][0] == "Music"


def _write_run(run_dir: Path, prompts: list[str]) -> None:
    (run_dir / "data").mkdir(parents=True)
    with (run_dir / "data" / "rows.jsonl").open("w") as f:
        for i, text in enumerate(prompts):
            messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text},
                        {"role": "assistant", "content": "ok"}]
            f.write(json.dumps({"id": f"r{i}", "messages": messages}) + "\n")
    job = {"schema_version": 1, "id": "tag-1", "kind": "tag", "created_at": "2026-11-23T00:00:00Z", "seed": 10,
           "device": "cpu", "tagger": EMBEDDED, "data": "data/rows.jsonl", "batch_size": 4, "output": "tags.jsonl"}
    (run_dir / "job.json").write_text(json.dumps(job))


def _run(run_dir: Path, *flags: str) -> list[dict]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "distill", "run", str(run_dir), *flags], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]


def test_tag_job_writes_one_tag_per_row_reports_progress_and_resumes(tmp_path):
    prompts = [examples.prompt(r["instruction"], r["input"]) for r in examples.load()[::40]]
    _write_run(tmp_path, prompts)
    events = _run(tmp_path)
    progress = [e for e in events if e["type"] == "progress"]
    assert [e["current"] for e in progress] == [min(n, len(prompts)) for n in range(4, len(prompts) + 4, 4)]
    assert {e["unit"] for e in progress} == {"rows"} and progress[-1]["eta_s"] == 0
    tags = [json.loads(line) for line in (tmp_path / "tags.jsonl").read_text().splitlines()]
    assert [t["id"] for t in tags] == [f"r{i}" for i in range(len(prompts))]
    assert [(t["label"], t["confidence"]) for t in tags] == [(l, round(p, 4)) for l, p in tag_texts(prompts, EMBEDDED)]
    assert {t["tagger"] for t in tags} == {f"minilm-l6+logreg@{examples.digest()[:8]}"}
    assert events[-1]["type"] == "done"
    assert events[-1]["result"]["counts"] == dict(Counter(t["label"] for t in tags).most_common())

    # An interrupted run: three rows written, the fourth torn mid-line. --resume tags only the rest.
    lines = (tmp_path / "tags.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "tags.jsonl").write_text("".join(lines[:3]) + lines[3][:10])
    events = _run(tmp_path, "--resume")
    resumed = [e for e in events if e["type"] == "progress"][len(progress):]
    assert resumed[0]["current"] == min(3 + 4, len(prompts))
    assert [json.loads(line) for line in (tmp_path / "tags.jsonl").read_text().splitlines()] == tags
