"""Download of data-set files: mirrors in order, md5 / SHA-256 verification, atomic writes, safe extraction.

:func:`fetch` downloads every file of a :class:`RemoteSource` that is missing from a folder.
Each file goes to a private staging folder beside the target (``tmp`` + ``os.replace``),
is checked against its published md5 (and SHA-256 when given), and only when *all* files are good are they moved
into place — a failed or corrupt download leaves nothing behind. Archives (CIFAR-10's
``tar.gz``) are opened with :mod:`tarfile` but never extracted by it: only the expected
member names are copied out, by our own code, to flat file names — no path traversal,
no links, no surprises.

Progress goes to stderr through tqdm when stderr is a terminal, and to the log always.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sys
import tarfile
import tempfile
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tqdm import tqdm

from layerlab.errors import DatasetError

__all__ = ["RemoteFile", "RemoteSource", "fetch"]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20
_TIMEOUT_S = 30.0
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True)
class RemoteFile:
    """One published file: its name on the mirrors, its checksums, and its size (for progress).

    ``md5`` and ``sha256`` are hex digests; each one given is checked (at least one should be).
    """

    name: str
    md5: str | None
    size: int | None = None
    sha256: str | None = None

    def mismatch(self, md5: str, sha256: str) -> str | None:
        """What differs between the expected digests and the ones of a download, or None when all match."""
        if self.md5 is not None and md5 != self.md5:
            return f"md5 {md5}, expected {self.md5}"
        if self.sha256 is not None and sha256 != self.sha256:
            return f"sha256 {sha256}, expected {self.sha256}"
        return None


@dataclass(frozen=True)
class RemoteSource:
    """Where a data set is downloaded from.

    ``mirrors`` are base URLs tried in order (``mirror + file.name``). When ``extract`` is
    not empty, every file is a tar archive from which exactly those member names are copied
    (to their base names) and the archive itself is not kept.
    """

    mirrors: tuple[str, ...]
    files: tuple[RemoteFile, ...]
    extract: tuple[str, ...] = field(default=())

    def total_bytes(self) -> int | None:
        """The sum of the published sizes, when all are known."""
        sizes = [f.size for f in self.files]
        return None if any(s is None for s in sizes) else sum(s for s in sizes if s is not None)


def _lock_for(key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def _download_one(url: str, dest: Path, expected_size: int | None) -> tuple[str, str]:
    """Stream ``url`` into ``dest``; return the md5 and SHA-256 hex digests of what was written."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha256 = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": "layerlab"})
    with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response, dest.open("wb") as out:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else expected_size
        logger.info("downloading %s (%s bytes) to %s", url, total if total is not None else "unknown", dest.parent)
        with tqdm(
            total=total, unit="B", unit_scale=True, desc=dest.name, file=sys.stderr, disable=None, leave=False
        ) as bar:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                md5.update(chunk)
                sha256.update(chunk)
                bar.update(len(chunk))
    return md5.hexdigest(), sha256.hexdigest()


def _fetch_file(source: RemoteSource, remote: RemoteFile, staging: Path, label: str) -> Path:
    """Download ``remote`` from the first mirror that serves it with the right checksums."""
    problems: list[str] = []
    corrupt: list[str] = []
    dest = staging / remote.name
    for mirror in source.mirrors:
        url = mirror + remote.name
        try:
            md5, sha256 = _download_one(url, dest, remote.size)
        except urllib.error.HTTPError as exc:
            exc.close()
            reason: object = f"HTTP {exc.code} {exc.reason}"
            problems.append(f"{url}: {reason}")
            logger.warning("download of %s failed: %s", url, reason)
            dest.unlink(missing_ok=True)
            continue
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            problems.append(f"{url}: {reason}")
            logger.warning("download of %s failed: %s", url, reason)
            dest.unlink(missing_ok=True)
            continue
        mismatch = remote.mismatch(md5, sha256)
        if mismatch is not None:
            corrupt.append(f"{url} ({mismatch})")
            logger.warning("checksum mismatch for %s: %s", url, mismatch)
            dest.unlink(missing_ok=True)
            continue
        logger.info("downloaded %s (checksum ok)", url)
        return dest
    if corrupt:
        raise DatasetError(
            f"Download of {label} file {remote.name} failed its checksum: {'; '.join(corrupt)}. Nothing was kept.",
            code="dataset_corrupt",
            hint="The mirror served a damaged or different file; try again later, or place the original files in LAYERLAB_DATA_DIR.",
        )
    raise DatasetError(
        f"Could not download {label} file {remote.name}: {'; '.join(problems) or 'no mirrors configured'}.",
        code="dataset_unavailable",
        hint="Check the internet connection, or place the files in a folder and set LAYERLAB_DATA_DIR to it.",
    )


def _extract_members(archive: Path, members: tuple[str, ...], staging: Path) -> list[Path]:
    """Copy the named regular-file members of a tar archive to ``staging/<basename>``."""
    wanted = set(members)
    out: list[Path] = []
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for member in tar:
                if member.name not in wanted:
                    continue
                if not member.isfile():
                    raise DatasetError(
                        f"{archive}: member {member.name} is not a regular file.", code="dataset_corrupt"
                    )
                name = PurePosixPath(member.name).name
                target = staging / name
                source = tar.extractfile(member)
                assert source is not None  # a regular file always has content
                with source, target.open("wb") as dst:
                    shutil.copyfileobj(source, dst, _CHUNK)
                out.append(target)
                wanted.discard(member.name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DatasetError(f"{archive} is not a valid tar archive: {exc}.", code="dataset_corrupt") from None
    if wanted:
        raise DatasetError(
            f"{archive} lacks the expected members: {', '.join(sorted(wanted))}.", code="dataset_corrupt"
        )
    return out


def fetch(source: RemoteSource, folder: Path, *, label: str) -> list[Path]:
    """Make sure every file of ``source`` (or its extracted members) is in ``folder``.

    Downloads only what is missing, one caller at a time per folder in this process; other
    processes are safe too, since files appear only by atomic rename. ``label`` names the
    data set in messages. Returns the paths now in ``folder``.

    Raises:
        DatasetError: ``dataset_corrupt`` when a download fails its checksum on every mirror (nothing
            is kept); ``dataset_unavailable`` when no mirror could be reached.
    """
    wanted = [PurePosixPath(m).name for m in source.extract] if source.extract else [f.name for f in source.files]
    with _lock_for(str(folder.resolve())):
        missing = [name for name in wanted if not (folder / name).is_file()]
        if not missing:
            return [folder / name for name in wanted]
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".download-", dir=folder))
        try:
            ready: list[Path] = []
            for remote in source.files:
                if not source.extract and remote.name not in missing:
                    continue
                path = _fetch_file(source, remote, staging, label)
                if source.extract:
                    ready.extend(_extract_members(path, source.extract, staging))
                    path.unlink()
                else:
                    ready.append(path)
            for path in ready:
                os.replace(path, folder / path.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if not any(folder.iterdir()):
                folder.rmdir()  # a failed first download leaves no trace
        return [folder / name for name in wanted]
