"""The text sets: token streams, vocabularies, the offline names and Tiny Shakespeare's sources."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from test_dataset_download import LoopbackServer, server, server_root  # noqa: F401  (fixtures)

from layerlab.datasets import DatasetRef, get_dataset_info, load_dataset
from layerlab.datasets import text as text_module
from layerlab.datasets.download import RemoteFile, RemoteSource
from layerlab.datasets.text import decode, encode, first_names, unknown_characters
from layerlab.errors import DatasetError
from layerlab.settings import Settings

PLAY = "ROMEO:\nBut soft, what light through yonder window breaks?\n\nJULIET:\nAy me!\n" * 40


def test_names_need_no_download_and_end_each_name_with_a_newline(settings: Settings) -> None:
    assert len(first_names()) == 8634
    splits = load_dataset(DatasetRef(name="names"), settings)
    info = splits.info
    assert info.task == "language_model" and info.kind == "text" and info.vocabulary is not None
    assert info.vocabulary == sorted(info.vocabulary) and info.vocabulary[0] == "\n"
    assert splits.train.x.dtype == torch.int64 and splits.train.x is splits.train.y
    text = decode(splits.val.x, info.vocabulary)
    assert text.endswith("\n") and text.count("\n") == round(8634 * 0.05)
    names_out = set(decode(splits.train.x, info.vocabulary).split()) | set(text.split())
    assert len(names_out) > 8000  # the splits hold the names, not some other text
    assert sum(splits.info.sizes.values()) == sum(len(n) + 1 for n in first_names())


def test_encode_decode_and_unknown_characters() -> None:
    vocabulary = sorted(set("hello world\n"))
    ids = encode("hello\nworld", vocabulary)
    assert ids.dtype == torch.int64 and decode(ids, vocabulary) == "hello\nworld"
    assert unknown_characters("héllo wörld é", vocabulary) == ["é", "ö"]


def test_shakespeare_reads_a_data_dir_file(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "tinyshakespeare").mkdir()
    (tmp_path / "tinyshakespeare" / "input.txt").write_text(PLAY, encoding="utf-8")
    cfg = settings.model_copy(update={"data_dir": tmp_path})
    info = get_dataset_info("shakespeare", cfg)
    assert info.available and info.vocabulary == sorted(set(PLAY)) and info.num_classes == len(set(PLAY))
    splits = load_dataset(DatasetRef(name="shakespeare"), cfg)
    assert len(splits.train.x) + len(splits.val.x) == len(PLAY)
    assert decode(splits.val.x, splits.info.vocabulary or []) == PLAY[-len(splits.val.x) :]
    assert decode(splits.train.x, splits.info.vocabulary or []) == PLAY[: len(splits.train.x)]
    assert splits.test is splits.val  # the held-out text is one split, evaluated once at the end


def test_a_text_of_any_characters_decodes_back_to_itself(tmp_path: Path, settings: Settings) -> None:
    play = PLAY.replace("Ay me!", "Ay mé — 🌹!")
    (tmp_path / "tinyshakespeare").mkdir()
    (tmp_path / "tinyshakespeare" / "input.txt").write_text(play, encoding="utf-8")
    splits = load_dataset(DatasetRef(name="shakespeare"), settings.model_copy(update={"data_dir": tmp_path}))
    vocabulary = splits.info.vocabulary or []
    assert "🌹" in vocabulary and decode(torch.cat([splits.train.x, splits.val.x]), vocabulary) == play


def test_shakespeare_missing_from_data_dir_is_unavailable_with_a_hint(tmp_path: Path, settings: Settings) -> None:
    cfg = settings.model_copy(update={"data_dir": tmp_path})
    info = get_dataset_info("shakespeare", cfg)
    assert not info.available and "tinyshakespeare/input.txt" in (info.reason or "")
    assert len(info.vocabulary or []) == 65  # the known vocabulary, before any file is here
    with pytest.raises(DatasetError) as err:
        load_dataset(DatasetRef(name="shakespeare"), cfg)
    assert err.value.code == "dataset_unavailable" and err.value.hint


def _serve_play(monkeypatch: pytest.MonkeyPatch, root: Path, url: str, sha256: str) -> None:
    (root / "input.txt").write_text(PLAY, encoding="utf-8")
    source = RemoteSource(mirrors=(url,), files=(RemoteFile("input.txt", md5=None, sha256=sha256),))
    spec = text_module.TEXT_SETS["shakespeare"]
    monkeypatch.setitem(text_module.TEXT_SETS, "shakespeare", replace(spec, remote=source))


def test_shakespeare_downloads_once_and_checks_sha256(
    server: LoopbackServer,  # noqa: F811
    server_root: Path,  # noqa: F811
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _serve_play(monkeypatch, server_root, server.url, hashlib.sha256(PLAY.encode()).hexdigest())
    cfg = settings.model_copy(update={"allow_download": True})
    assert "download on first use" in get_dataset_info("shakespeare", cfg).source
    splits = load_dataset(DatasetRef(name="shakespeare"), cfg)
    assert len(splits.train.x) + len(splits.val.x) == len(PLAY)
    assert (settings.datasets_cache_dir / "tinyshakespeare" / "input.txt").read_text() == PLAY
    load_dataset(DatasetRef(name="shakespeare"), cfg)
    assert server.requests == ["/input.txt"]  # cached after the first download


def test_shakespeare_with_a_wrong_sha256_is_corrupt_and_kept_nowhere(
    server: LoopbackServer,  # noqa: F811
    server_root: Path,  # noqa: F811
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _serve_play(monkeypatch, server_root, server.url, "0" * 64)
    cfg = settings.model_copy(update={"allow_download": True})
    with pytest.raises(DatasetError) as err:
        load_dataset(DatasetRef(name="shakespeare"), cfg)
    assert err.value.code == "dataset_corrupt" and "sha256" in err.value.message
    assert not (settings.datasets_cache_dir / "tinyshakespeare" / "input.txt").exists()


def test_text_sets_take_no_params() -> None:
    with pytest.raises(DatasetError) as err:
        load_dataset(DatasetRef(name="names", params={"n": 3}), Settings())
    assert err.value.code == "invalid_dataset_param" and err.value.field == "n"
