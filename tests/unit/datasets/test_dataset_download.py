"""Downloads against a loopback HTTP server: md5 check, cache reuse, mismatch, safe extraction."""

from __future__ import annotations

import hashlib
import http.server
import io
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
from dataset_files import cifar_bytes, write_fake_mnist

from layerlab.datasets import DatasetRef, clear_image_cache, get_dataset_info, load_dataset
from layerlab.datasets import images as images_module
from layerlab.datasets.download import RemoteFile, RemoteSource, fetch
from layerlab.errors import DatasetError
from layerlab.settings import Settings


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self.requests.append(self.path)
        super().do_GET()


class LoopbackServer:
    """A static file server on 127.0.0.1 that records the paths requested."""

    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"requests": self.requests})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server_root(tmp_path: Path) -> Path:
    root = tmp_path / "www"
    root.mkdir()
    return root


@pytest.fixture
def server(server_root: Path) -> Iterator[LoopbackServer]:
    srv = LoopbackServer(server_root)
    yield srv
    srv.close()


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def _serve_mnist(monkeypatch: pytest.MonkeyPatch, root: Path, url: str, *, corrupt: str | None = None) -> None:
    """Serve fake mnist files under ``root`` and point the mnist source at ``url`` with their md5s."""
    paths = write_fake_mnist(root / "mnist")
    files = tuple(
        RemoteFile(p.name, "0" * 32 if p.name == corrupt else _md5(p), p.stat().st_size) for p in paths.values()
    )
    spec = images_module.IMAGE_SETS["mnist"]
    source = RemoteSource(mirrors=(url + "mnist/",), files=files)
    monkeypatch.setitem(images_module.IMAGE_SETS, "mnist", replace(spec, remote=source))


def test_download_verifies_caches_and_is_not_repeated(
    server: LoopbackServer, server_root: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve_mnist(monkeypatch, server_root, server.url)
    cfg = settings.model_copy(update={"allow_download": True})
    assert get_dataset_info("mnist", cfg).available
    splits = load_dataset(DatasetRef(name="mnist"), cfg)
    assert splits.train.x.shape == (180, 1, 28, 28)
    assert sorted(server.requests) == sorted(f"/mnist/{n}.gz" for n in images_module.IDX_NAMES)
    cached = sorted(p.name for p in (settings.datasets_cache_dir / "mnist").iterdir())
    assert cached == sorted(f"{n}.gz" for n in images_module.IDX_NAMES)  # no tmp files left
    assert get_dataset_info("mnist", cfg).source == f"cache: {settings.datasets_cache_dir / 'mnist'}"

    clear_image_cache()
    again = load_dataset(DatasetRef(name="mnist"), cfg)
    assert len(server.requests) == 4  # the second load did not hit the server
    assert torch.equal(again.train.x, splits.train.x)


def test_checksum_mismatch_is_corrupt_and_leaves_nothing(
    server: LoopbackServer, server_root: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve_mnist(monkeypatch, server_root, server.url, corrupt="t10k-images-idx3-ubyte.gz")
    cfg = settings.model_copy(update={"allow_download": True})
    with pytest.raises(DatasetError) as err:
        load_dataset(DatasetRef(name="mnist"), cfg)
    assert err.value.code == "dataset_corrupt"
    assert "t10k-images-idx3-ubyte.gz" in err.value.message and "md5" in err.value.message
    cache = settings.datasets_cache_dir
    assert not cache.exists() or not any(p.is_file() for p in cache.rglob("*"))


def test_unreachable_mirror_falls_back_to_the_next(
    server: LoopbackServer, server_root: Path, tmp_path: Path, settings: Settings
) -> None:
    (server_root / "a.bin").write_bytes(b"hello")
    source = RemoteSource(
        mirrors=(server.url + "missing/", server.url),
        files=(RemoteFile("a.bin", hashlib.md5(b"hello", usedforsecurity=False).hexdigest()),),
    )
    (path,) = fetch(source, tmp_path / "out", label="test")
    assert path.read_bytes() == b"hello"
    assert server.requests == ["/missing/a.bin", "/a.bin"]


def test_no_reachable_mirror_is_unavailable(server: LoopbackServer, tmp_path: Path) -> None:
    source = RemoteSource(mirrors=(server.url + "nope/",), files=(RemoteFile("a.bin", "0" * 32),))
    with pytest.raises(DatasetError) as err:
        fetch(source, tmp_path / "out", label="test")
    assert err.value.code == "dataset_unavailable" and "404" in err.value.message
    assert not (tmp_path / "out").exists()


def _tar_gz(members: dict[str, bytes], *, evil: bool = False) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if evil:
            info = tarfile.TarInfo("../../escaped.txt")
            info.size = 4
            tar.addfile(info, io.BytesIO(b"evil"))
    return buffer.getvalue()


def test_cifar_archive_is_downloaded_and_only_expected_members_are_extracted(
    server: LoopbackServer, server_root: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = cifar_bytes(np.arange(10, dtype=np.uint8))
    members = {f"cifar-10-batches-bin/{n}.bin": batch for n in ("data_batch_1", "data_batch_2", "test_batch")}
    members["cifar-10-batches-bin/readme.html"] = b"<html>"
    archive = server_root / "cifar-10-binary.tar.gz"
    archive.write_bytes(_tar_gz(members, evil=True))
    spec = images_module.IMAGE_SETS["cifar10"]
    source = RemoteSource(
        mirrors=(server.url,),
        files=(RemoteFile(archive.name, _md5(archive)),),
        extract=tuple(f"cifar-10-batches-bin/{n}.bin" for n in ("data_batch_1", "data_batch_2", "test_batch")),
    )
    monkeypatch.setitem(images_module.IMAGE_SETS, "cifar10", replace(spec, remote=source))
    cfg = settings.model_copy(update={"allow_download": True})
    splits = load_dataset(DatasetRef(name="cifar10"), cfg)
    assert len(splits.train) + len(splits.val) == 20 and len(splits.test) == 10
    folder = settings.datasets_cache_dir / "cifar-10"
    assert sorted(p.name for p in folder.iterdir()) == ["data_batch_1.bin", "data_batch_2.bin", "test_batch.bin"]
    assert not list(settings.home.parent.rglob("escaped.txt"))


def test_archive_missing_a_member_is_corrupt(server: LoopbackServer, server_root: Path, tmp_path: Path) -> None:
    archive = server_root / "x.tar.gz"
    archive.write_bytes(_tar_gz({"dir/a.bin": b"a"}))
    source = RemoteSource(
        mirrors=(server.url,), files=(RemoteFile(archive.name, _md5(archive)),), extract=("dir/a.bin", "dir/b.bin")
    )
    with pytest.raises(DatasetError) as err:
        fetch(source, tmp_path / "out", label="test")
    assert err.value.code == "dataset_corrupt" and "dir/b.bin" in err.value.message
    assert not (tmp_path / "out").exists()
