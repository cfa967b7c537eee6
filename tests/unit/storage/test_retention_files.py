"""Retention deletes a run's files (its weights) with the run, through ``on_deleted``."""

from __future__ import annotations

import functools
from pathlib import Path

from layerlab.storage.retention import RetentionPolicy, prune_finished_runs
from layerlab.storage.store import RunRow, RunStore
from layerlab.training.weights import delete_run_files, run_dir

NOW = 1_000_000.0
DAY = 86_400.0


def test_pruned_runs_lose_their_weights_and_kept_runs_keep_theirs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = RunStore.open(f"sqlite:///{tmp_path / 'runs.db'}")
    try:
        for run_id, finished in (("old", NOW - 10 * DAY), ("recent", NOW - DAY)):
            store.create_run(
                RunRow(id=run_id, status="completed", dataset="circle", request_json="{}",
                       created_at=finished - 10, finished_at=finished)
            )  # fmt: skip
            run_dir(home, run_id).mkdir(parents=True)
            (run_dir(home, run_id) / "weights.safetensors").write_bytes(b"x")
        deleted: list[str] = []

        def on_deleted(run_id: str) -> None:
            deleted.append(run_id)
            delete_run_files(home, run_id)

        policy = RetentionPolicy(max_age_s=7 * DAY)
        assert prune_finished_runs(store, policy, now=NOW, on_deleted=on_deleted) == 1
        assert deleted == ["old"]
        assert not run_dir(home, "old").exists() and (run_dir(home, "recent") / "weights.safetensors").exists()
        quiet = functools.partial(delete_run_files, home)
        assert prune_finished_runs(store, policy, now=NOW, on_deleted=quiet) == 0
    finally:
        store.close()


def test_deleting_files_of_a_run_without_any_is_quiet_and_odd_ids_touch_nothing(tmp_path: Path) -> None:
    delete_run_files(tmp_path, "never-saved")
    (tmp_path / "keep").mkdir()
    delete_run_files(tmp_path / "runs", "..")
    assert (tmp_path / "keep").exists()
