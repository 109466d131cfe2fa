"""Writes stay inside the run folder and job.output_roots when they happen, not only when the studio launched the
run: a symbolic link planted after launch in an output path that did not exist yet must not carry the model out."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from conftest import alpaca_rows, distill_cli, plain_plan, read_events, small_train_job

from distill import confine
from distill.contract import JobError

TRAIN = alpaca_rows(8)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_a_link_planted_in_the_output_path_while_training_fails_the_run_and_writes_nothing_outside(make_run_dir,
                                                                                                  tmp_path):
    outputs, outside = tmp_path / "outputs", tmp_path / "outside"
    outputs.mkdir()
    outside.mkdir()
    # As the studio launches it: the output folder does not exist yet, its path lies inside the output root.
    output_dir = outputs / "mine" / "student"
    job = small_train_job(output_dir=str(output_dir), output_roots=[str(outputs)], max_length=64,
                          max_prompt_length=32)
    run_dir = make_run_dir(job, TRAIN, plan=plain_plan([r["id"] for r in TRAIN], epochs=2))

    proc = subprocess.Popen(distill_cli(run_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 600
        while not any(e["type"] == "metric" for e in read_events(run_dir)):
            assert proc.poll() is None and time.monotonic() < deadline, "the run ended before its first step"
            time.sleep(0.2)
        (outputs / "mine").symlink_to(outside)  # a parent of the output path, after launch, before the write
        _, stderr = proc.communicate(timeout=600)
    finally:
        proc.kill()

    assert proc.returncode == 2, stderr[-3000:]
    error = read_events(run_dir)[-1]
    assert error["type"] == "error"
    assert error["message"].startswith(f"refusing to write to {output_dir} (it resolves to {outside / 'student'}): "
                                       "it is outside the folders this job may write to")
    assert "a symbolic link there leads outside them" in error["message"]
    assert _files(outside) == []
    assert not (outside / "student").exists()


@pytest.fixture
def roots(tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "outside").mkdir()
    return [tmp_path / "root"]


def test_a_missing_folder_inside_a_root_is_created_and_returned_as_its_real_path(roots):
    made = confine.directory(roots[0] / "a" / "b", roots)
    assert made == roots[0].resolve() / "a" / "b" and made.is_dir()


def test_links_that_stay_inside_a_root_are_followed(roots):
    (roots[0] / "real").mkdir()
    (roots[0] / "link").symlink_to(roots[0] / "real")
    assert confine.file(roots[0] / "link" / "out.jsonl", roots) == roots[0].resolve() / "real" / "out.jsonl"


@pytest.mark.parametrize("planted", ["file", "parent", "dangling"])
def test_links_that_leave_the_roots_are_refused_before_anything_is_created(roots, tmp_path, planted):
    outside = tmp_path / "outside"
    if planted == "file":
        (roots[0] / "out.jsonl").symlink_to(outside / "out.jsonl")
        target = roots[0] / "out.jsonl"
    elif planted == "parent":
        (roots[0] / "sub").symlink_to(outside)
        target = roots[0] / "sub" / "deeper" / "out.jsonl"
    else:  # a link to a folder that does not exist yet: mkdir would create it outside
        (roots[0] / "sub").symlink_to(outside / "later")
        target = roots[0] / "sub" / "out.jsonl"
    with pytest.raises(JobError, match="is outside the folders this job may write to"):
        confine.file(target, roots)
    assert list(outside.iterdir()) == []


def test_a_folder_swapped_for_a_link_while_files_are_written_into_it_fails_the_job(roots, tmp_path):
    outside = tmp_path / "outside"
    (outside / "student").mkdir()
    with pytest.raises(JobError) as failed:
        with confine.writing_into(roots[0] / "mine" / "student", roots) as out:
            (out / "config.json").write_text("{}")
            # Between two files of one save, as a model save opens each by its name.
            (roots[0] / "mine").rename(roots[0] / "moved")
            (roots[0] / "mine").symlink_to(outside)
            (out / "model.safetensors").write_text("weights")
    real = roots[0].resolve() / "mine" / "student"
    assert str(failed.value).startswith(f"{roots[0] / 'mine' / 'student'} changed while this job wrote into it: "
                                        f"it resolved to {real} and now resolves to {outside.resolve() / 'student'}")
    assert "check " in str(failed.value) and "run the job again" in str(failed.value)
    # Told, not prevented: the file written after the swap went with the link.
    assert (outside / "student" / "model.safetensors").exists()


def test_writes_into_a_folder_that_stays_put_pass(roots):
    with confine.writing_into(roots[0] / "mine" / "student", roots) as out:
        (out / "config.json").write_text("{}")
    assert (roots[0] / "mine" / "student" / "config.json").read_text() == "{}"
