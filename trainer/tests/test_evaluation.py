"""The eval job (docs/evaluation.md): IFEval's checks on answers whose verdicts we know, ROUGE-L as rouge-score
computes it, judge ratings parsed from real judge replies, a real MT-Bench run with the embedded model behind its
llama.cpp server as both the model and the judge, a local-model run with the embedded SmolLM2, and the score job's
judge-based MFD on 10 rows."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import DATASETS, EMBEDDED_KEY, alpaca_rows, distill_cli, read_events, run_cli, small_train_job
from rouge_score import rouge_scorer
from test_scoring import run_scoring, score_job

from distill.evaluation import ifeval
from distill.evaluation.judge import parse_rating
from distill.generate.cache import request_key
from distill.generation import rouge_l_f1

JUDGE_REPLIES = Path(__file__).parent / "data" / "judge_replies.json"


def eval_job(**fields) -> dict:
    return {"schema_version": 1, "id": "test-eval", "kind": "eval", "created_at": "2026-01-01T00:00:00Z",
            "device": "cpu", "datasets_dir": str(DATASETS.resolve()), **fields}


def embedded_endpoint(port: int) -> dict:
    # One request at a time, each given long: the one llama.cpp server is both model and judge, on a shared CPU.
    return {"base_url": f"http://127.0.0.1:{port}/v1", "model": "smollm2", "concurrency": 1, "timeout_s": 900}


def run_eval(run_dir: Path, job: dict, env: dict | None = None, timeout: float = 1800) -> dict:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "job.json").write_text(json.dumps(job))
    done = subprocess.run(distill_cli(run_dir), capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((run_dir / "eval.json").read_text())


def answer_lines(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "eval_answers.jsonl").read_text().splitlines()]


# --- IFEval: answers written by hand, verdicts known -------------------------------------------------------------

def test_ifeval_strict_and_loose_verdicts_of_answers_we_wrote():
    no_comma = ["punctuation:no_comma"]
    assert ifeval.check("Plain words and no pause marks", "p", no_comma, [{}])["prompt_strict"] is True
    with_comma = ifeval.check("Yes, a comma", "p", no_comma, [{}])
    assert (with_comma["prompt_strict"], with_comma["prompt_loose"]) == (False, False)

    # A chatty first line breaks "all lowercase" strictly; loose drops the first line and passes.
    lowercase = ifeval.check("Sure! Here it is:\nevery word here is lowercase", "p",
                             ["change_case:english_lowercase"], [{}])
    assert (lowercase["prompt_strict"], lowercase["prompt_loose"]) == (False, True)

    words = ["length_constraints:number_words"]
    assert ifeval.check("one two three", "p", words, [{"relation": "at least", "num_words": 5}])["prompt_strict"] is False
    assert ifeval.check("one two three four five", "p", words, [{"relation": "at least", "num_words": 5}])["prompt_strict"]

    # Punkt must know "Dr." is no sentence end: two sentences, so "less than 3" holds (needs the set-up's tables).
    sentences = ifeval.check("Dr. Smith came home late. He slept.", "p", ["length_constraints:number_sentences"],
                             [{"relation": "less than", "num_sentences": 3}])
    assert sentences["prompt_strict"] is True

    title = ifeval.check("<<A Poem>>\nroses are red", "p", ["detectable_format:title"], [{}])
    assert title["prompt_strict"] is True


def test_ifeval_a_prompt_passes_only_when_every_instruction_does_and_an_empty_answer_follows_none():
    ids = ["punctuation:no_comma", "detectable_format:title"]
    mixed = ifeval.check("<<Title>>\nbut, a comma", "p", ids, [{}, {}])
    assert [(v["id"], v["strict"]) for v in mixed["instructions"]] == [(ids[0], False), (ids[1], True)]
    assert mixed["prompt_strict"] is False
    empty = ifeval.check("", "p", ids, [{}, {}])
    assert empty == {"prompt_strict": False, "prompt_loose": False,
                     "instructions": [{"id": i, "strict": False, "loose": False} for i in ids]}


# --- ROUGE-L ------------------------------------------------------------------------------------------------------

def test_rouge_l_is_rouge_score_s_stemmed_f1():
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    pairs = [("The cats are running home", "the cat runs home"), ("", "anything"), ("same words", "same words"),
             ("A completely different sentence", "nothing shared")]
    for prediction, reference in pairs:
        assert rouge_l_f1(prediction, reference) == scorer.score(reference, prediction)["rougeL"].fmeasure


# --- Judge replies ------------------------------------------------------------------------------------------------

def test_ratings_parsed_from_real_judge_replies():
    """Judge replies, each with its source and expected rating: replies the embedded model gave as MT-Bench judge (a
    run of test_mt_bench_... below; a 135M judge never writes "[[n]]", so these are the malformed kind: "Rating: 10"
    without brackets, the question echoed, no rating at all); well-formed GPT-4 single-answer judgments as FastChat
    published them, expected to parse to the score FastChat recorded; and, marked as written by us, the malformed and
    two-rating kinds no published judgment showed (a judgment cut before its rating, "8/10", a judge revising itself)."""
    for case in json.loads(JUDGE_REPLIES.read_text()):
        assert parse_rating(case["reply"]) == case["rating"], case["reply"]


def test_rating_rules():
    assert parse_rating("The answer is helpful.\n\nRating: [[8]]") == 8
    assert parse_rating("Rating: [[7.5]]") == 7.5
    assert parse_rating("Rating: [6]") == 6          # FastChat's fallback: single brackets
    assert parse_rating("First [[3]], on reflection [[7]]") is None  # two different ratings: ambiguous
    assert parse_rating("[[5]] ... so again [[5]]") == 5
    assert parse_rating("Rating: [[11]]") is None
    assert parse_rating("I would rate it eight out of ten.") is None


# --- Real runs ----------------------------------------------------------------------------------------------------

def test_mt_bench_on_5_questions_with_the_embedded_endpoint_as_model_and_judge(tmp_path, server_port):
    endpoint = embedded_endpoint(server_port)
    cache = tmp_path / "cache.sqlite"
    run_dir = tmp_path / "run"
    result = run_eval(run_dir, eval_job(model={"type": "endpoint", "endpoint": endpoint}, judge=endpoint,
                                        suites=[{"name": "mt_bench", "limit": 5}], max_new_tokens=32,
                                        judge_max_tokens=64, cache=str(cache)),
                      env={"DISTILL_ENDPOINT_KEY": EMBEDDED_KEY, "DISTILL_JUDGE_KEY": EMBEDDED_KEY})
    suite = result["suites"]["mt_bench"]
    assert suite["items"] == 5
    assert suite["metrics"]["score"]["n"] + suite["unparsed"] == 10  # 5 questions × 2 turns, each judged
    assert suite["metrics"]["turn_1"]["n"] + suite["metrics"]["turn_2"]["n"] == suite["metrics"]["score"]["n"]
    assert sum(c["n"] for c in suite["by_category"].values()) == suite["metrics"]["score"]["n"]
    events = read_events(run_dir)
    assert events[-1]["type"] == "done" and events[-1]["result"] == result
    assert {e["unit"] for e in events if e["type"] == "progress" and e.get("suite") == "mt_bench"} == {"answers", "judgments"}

    questions = [json.loads(line) for line in (DATASETS / "mt_bench_questions.jsonl").read_text().splitlines()][:5]
    lines = answer_lines(run_dir)
    assert sorted((line["item_id"], line["turn"]) for line in lines) == sorted(
        (str(q["question_id"]), t) for q in questions for t in (1, 2))
    for line in lines:
        assert line["judge_explanation"]
        assert (line["score"] is None) == bool(line["details"].get("unparsed"))
        assert line["score"] is None or 1 <= line["score"] <= 10
    # The second turn was asked in the context of the model's own first answer: that request is in the cache.
    first = {line["item_id"]: line["answer"] for line in lines if line["turn"] == 1}
    with sqlite3.connect(cache) as db:
        keys = {k for (k,) in db.execute("SELECT key FROM responses")}
    for q in questions:
        messages = [{"role": "user", "content": q["turns"][0]}, {"role": "assistant", "content": first[str(q["question_id"])]},
                    {"role": "user", "content": q["turns"][1]}]
        temperature = {"writing": 0.7, "roleplay": 0.7}.get(q["category"], 0.0)
        sampling = {"temperature": temperature, "top_p": 1.0, "max_tokens": 32, "seed": 10}
        assert request_key(endpoint["base_url"], endpoint["model"], messages, sampling) in keys, q["question_id"]
    assert EMBEDDED_KEY.encode() not in b"".join(p.read_bytes() for p in run_dir.iterdir())


def test_a_local_model_on_selfinst_ifeval_and_held_out_rows(tmp_path):
    run_dir = tmp_path / "run"
    (run_dir / "data").mkdir(parents=True)
    (run_dir / "data" / "heldout.jsonl").write_text("".join(json.dumps(r) + "\n" for r in alpaca_rows(2)))
    result = run_eval(run_dir, eval_job(model={"type": "local", "ref": {"source": "embedded"}},
                                        suites=[{"name": "selfinst", "limit": 2, "seeds": 2},
                                                {"name": "ifeval", "limit": 2},
                                                {"name": "heldout", "data": "data/heldout.jsonl"}],
                                        max_new_tokens=8, batch_size=2))
    lines = answer_lines(run_dir)

    selfinst = [line for line in lines if line["suite"] == "selfinst"]
    assert sorted((line["item_id"], line["seed"]) for line in selfinst) == [
        ("user_oriented_task_0", 10), ("user_oriented_task_0", 20), ("user_oriented_task_1", 10),
        ("user_oriented_task_1", 20)]
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    for line in selfinst:
        assert line["score"] == scorer.score(line["reference"], line["answer"])["rougeL"].fmeasure
    seed_means = [sum(line["score"] for line in selfinst if line["seed"] == s) / 2 for s in (10, 20)]
    rouge = result["suites"]["selfinst"]["metrics"]["rouge_l"]
    assert rouge["n"] == 2 and rouge["mean"] == pytest.approx(sum(seed_means) / 2)
    assert rouge["std"] == pytest.approx(abs(seed_means[0] - seed_means[1]) / 2 ** 0.5)

    ifeval_lines = [line for line in lines if line["suite"] == "ifeval"]
    assert len(ifeval_lines) == 2
    prompts = {str(r["key"]): r for r in map(json.loads, (DATASETS / "ifeval_input_data.jsonl").read_text().splitlines()[:2])}
    for line in ifeval_lines:
        record = prompts[line["item_id"]]
        verdict = ifeval.check(line["answer"], record["prompt"], record["instruction_id_list"], record["kwargs"])
        assert line["passed"] == verdict["prompt_strict"]
    metrics = result["suites"]["ifeval"]["metrics"]
    assert metrics["prompt_strict"]["mean"] == sum(line["passed"] for line in ifeval_lines) / 2
    assert metrics["instruction_strict"]["n"] == sum(len(r["instruction_id_list"]) for r in prompts.values())

    heldout = result["suites"]["heldout"]["metrics"]
    assert heldout["ce"]["n"] == 2 and heldout["ce"]["mean"] > 0
    assert heldout["rouge_l"]["n"] == 2


def test_mfd_judge_is_the_judge_s_teacher_rating_minus_its_student_rating_on_10_rows(tmp_path, server_port,
                                                                                   monkeypatch):
    endpoint = embedded_endpoint(server_port)
    monkeypatch.setenv("DISTILL_JUDGE_KEY", EMBEDDED_KEY)
    rows = alpaca_rows(10, offset=40)
    job = score_job("mfd_judge", judge=endpoint, datasets_dir=str(DATASETS.resolve()), judge_max_tokens=64,
                    max_new_tokens=16, batch_size=10, cache=str(tmp_path / "cache.sqlite"))
    scores, events = run_scoring(tmp_path / "run", job, rows)

    result = [e for e in events if e["type"] == "done"][0]["result"]
    assert result["scorer"] == "mfd_judge" and result["rows"] + result["unscored"] == 10 == result["rows"] + (10 - len(scores))
    ids = [r["id"] for r in rows]
    assert [s["id"] for s in scores] == [i for i in ids if i in {s["id"] for s in scores}]  # input order
    for s in scores:
        assert 1 <= s["teacher_rating"] <= 10 and 1 <= s["student_rating"] <= 10
        assert s["score"] == s["difficulty"] == s["teacher_rating"] - s["student_rating"]


def test_mfd_judge_rating_only_gets_every_rating_from_the_embedded_judge_in_8_tokens(tmp_path, server_port, monkeypatch):
    # In MT-Bench's explained form the 135M judge gives no rating within a short answer (often none at all); held
    # to "[[n]]" by the grammar it rates every answer.
    monkeypatch.setenv("DISTILL_JUDGE_KEY", EMBEDDED_KEY)
    rows = alpaca_rows(3, offset=60)
    job = score_job("mfd_judge", judge=embedded_endpoint(server_port), datasets_dir=str(DATASETS.resolve()),
                    judge_max_tokens=8, judge_rating_only=True, max_new_tokens=8, batch_size=3,
                    cache=str(tmp_path / "cache.sqlite"))
    scores, events = run_scoring(tmp_path / "run", job, rows)

    assert [s["id"] for s in scores] == [r["id"] for r in rows]
    for s in scores:
        assert 1 <= s["teacher_rating"] <= 10 and 1 <= s["student_rating"] <= 10
        assert s["score"] == s["teacher_rating"] - s["student_rating"]


def test_a_checkpoint_of_a_real_run_is_evaluated_with_the_weights_it_saved(tmp_path, make_run_dir):
    # Two steps, a checkpoint after each: the last checkpoint holds the final student's weights, the first other ones.
    train, heldout = alpaca_rows(4), alpaca_rows(2, offset=900)
    job = small_train_job(checkpoint_every=1, max_length=64, max_prompt_length=32)
    run = make_run_dir(job, train, name="train")
    proc = run_cli(run)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["step-000001", "step-000002"]

    def evaluate(name: str, model: dict) -> tuple[dict, list[str]]:
        run_dir = tmp_path / name
        (run_dir / "data").mkdir(parents=True)
        (run_dir / "data" / "heldout.jsonl").write_text("".join(json.dumps(r) + "\n" for r in heldout))
        result = run_eval(run_dir, eval_job(model=model, suites=[{"name": "heldout", "data": "data/heldout.jsonl"}],
                                            max_new_tokens=8, max_prompt_length=32, batch_size=2))
        return result["suites"]["heldout"]["metrics"], [line["answer"] for line in answer_lines(run_dir)]

    # What the run itself used to build its student (job.json's teacher and student), plus a checkpoint's weights.
    as_trained = {"type": "local", "ref": job["student"], "base": job["teacher"]}
    final, final_answers = evaluate("final", {"type": "local", "ref": {"source": "dir", "path": str(run / "model")}})
    last, last_answers = evaluate("last", {**as_trained, "checkpoint": str(run / "checkpoints" / "step-000002")})
    first, _ = evaluate("first", {**as_trained, "checkpoint": str(run / "checkpoints" / "step-000001")})
    assert last == final and last_answers == final_answers
    assert first["ce"]["mean"] != final["ce"]["mean"]
