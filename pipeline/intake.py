"""Bundle intake: turn a folder, a zip or a list of files into hashed, size-checked files.

Intake is the only stage that touches the file system. It never trusts a name: the media type is
sniffed from the content, zip members are checked against their declared sizes and compression ratio
before a byte is inflated, and names that would escape the bundle (zip slip, symlinks) are refused.
A refused file is never dropped: it travels on as an :class:`IntakeFile` with ``error`` set, so the
report can say why it was not read.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from pydantic import ValidationError

from pipeline.config import IntakeLimits
from pipeline.models import Application

APPLICATION_FILE = "application.json"
TRUTH_FILE = "truth.json"
"""The synthetic generator's ground truth: read by benchmarks, never a document of the bundle."""

_CHUNK = 1 << 20
_SNIFF_BYTES = 1024
# Folders that archivers add and that never hold a borrower's document.
_SKIPPED_DIRS = frozenset({"__MACOSX"})


@dataclass(frozen=True)
class IntakeFile:
    """One file of a bundle, accepted (``data`` holds its bytes) or refused (``error`` says why)."""

    name: str
    """Posix path relative to the bundle root (or the zip)."""
    sha256: str
    """Of the raw bytes; empty when the file was refused before it could be read safely."""
    size_bytes: int
    """Actual size when read, else the size the file system or the zip declared."""
    media_type: str
    """Sniffed from the content, never from the extension."""
    data: bytes = b""
    error: str | None = None


@dataclass(frozen=True)
class Bundle:
    """What intake hands to the read stage."""

    source: str
    bundle_id: str
    application: Application | None
    application_error: str | None
    files: tuple[IntakeFile, ...]
    bundle_sha256: str
    """SHA-256 over the sorted (name, sha256) pairs of ``files``."""


class _Refused(Exception):
    """A file breaks an intake limit; the message is the human reason."""


@dataclass(frozen=True)
class _Entry:
    """A candidate file before limits are applied: its name, declared size and how to read it."""

    name: str
    declared_size: int
    refusal: str | None = None
    path: Path | None = None
    member: zipfile.ZipInfo | None = None


_Reader = Callable[[_Entry, int], bytes]
"""Reads an accepted entry's bytes, refusing past the cap."""


def sniff_media_type(head: bytes) -> str:
    """Name the media type of a file from its first bytes.

    Args:
        head: the first bytes of the file (1 KiB is enough).

    Returns:
        A media type such as ``application/pdf`` or ``image/png``; ``application/octet-stream`` when
        nothing is recognised.
    """
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    # The PDF header may follow a little junk; readers accept it within the first KiB. Checked after
    # the magic numbers because an archive can hold a PDF stored near its start.
    if b"%PDF-" in head[:_SNIFF_BYTES]:
        return "application/pdf"
    if not head:
        return "application/x-empty"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sniffed window is still text.
            if exc.start < len(head) - 4:
                return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"\x7fELF", "application/x-executable"),
    (b"MZ", "application/x-msdownload"),
    (b"\x1f\x8b", "application/gzip"),
    (b"Rar!", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
)


def load_bundle(source: Path | Sequence[Path], limits: IntakeLimits | None = None) -> Bundle:
    """Read a bundle from a folder, a zip file or a list of files.

    Never raises for hostile or broken input: every file that was found appears in ``files``, with
    ``error`` set when it was refused.

    Args:
        source: a folder (walked recursively, hidden entries skipped), a zip (detected by content),
            or a list of files.
        limits: intake limits; defaults to ``IntakeLimits()``.

    Returns:
        The bundle, with ``application`` parsed from ``application.json`` when present.

    Raises:
        FileNotFoundError: ``source`` (or a listed file) does not exist — a caller error, not a bad
            document.
    """
    limits = limits or IntakeLimits()
    if isinstance(source, (str, os.PathLike)):
        root = Path(source)
        if root.is_dir():
            files, app_raw = _load_folder(root, limits)
            stem = root.name
        elif _is_zip(root):
            files, app_raw = _load_zip(root, limits)
            stem = root.stem
        else:
            files, app_raw = _load_list([root], limits)
            stem = root.stem
        label = str(root)
    else:
        paths = [Path(p) for p in source]
        files, app_raw = _load_list(paths, limits)
        stem = ""
        label = os.path.commonpath([str(p.absolute()) for p in paths]) if paths else ""
    application, application_error = _parse_application(app_raw)
    bundle_sha = _bundle_hash(files, app_raw[0] if app_raw else None)
    bundle_id = (application.application_id if application else None) or stem or f"bundle-{bundle_sha[:12]}"
    return Bundle(
        source=label,
        bundle_id=bundle_id,
        application=application,
        application_error=application_error,
        files=files,
        bundle_sha256=bundle_sha,
    )


# --------------------------------------------------------------------------------------------------
# Sources.

# (raw bytes of application.json, or the reason it could not be taken), None when absent.
_AppRaw = tuple[bytes | None, str | None] | None


def _load_folder(root: Path, limits: IntakeLimits) -> tuple[tuple[IntakeFile, ...], _AppRaw]:
    entries = list(_walk_folder(root.resolve(), root))
    return _materialise(entries, limits, _read_path)


def _walk_folder(real_root: Path, root: Path) -> Iterator[_Entry]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        # Prune in place so os.walk does not descend into hidden folders.
        dirnames[:] = sorted(d for d in dirnames if not _is_hidden(d))
        for d in list(dirnames):
            if (here / d).is_symlink():
                dirnames.remove(d)
                name = (here / d).relative_to(root).as_posix()
                yield _Entry(name, 0, refusal="symbolic link to a folder is not followed")
        for f in sorted(filenames):
            if _is_hidden(f):
                continue
            path = here / f
            name = path.relative_to(root).as_posix()
            yield _folder_entry(real_root, path, name)


def _folder_entry(real_root: Path, path: Path, name: str) -> _Entry:
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(real_root):
            return _Entry(name, 0, refusal="symbolic link points outside the bundle")
    try:
        st = path.stat()
    except OSError as exc:
        return _Entry(name, 0, refusal=f"cannot be read: {exc.strerror or exc}")
    if not stat.S_ISREG(st.st_mode):
        return _Entry(name, 0, refusal="not a regular file")
    return _Entry(name, st.st_size, path=path)


def _load_list(paths: Sequence[Path], limits: IntakeLimits) -> tuple[tuple[IntakeFile, ...], _AppRaw]:
    entries = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(path)
        if _is_hidden(path.name):
            continue
        entries.append(_folder_entry(path.parent.resolve(), path, path.name))
    return _materialise(entries, limits, _read_path)


def _load_zip(path: Path, limits: IntakeLimits) -> tuple[tuple[IntakeFile, ...], _AppRaw]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        refused = IntakeFile(
            path.name, "", _size(path), "application/zip", error=f"zip cannot be opened: {exc}"
        )
        return (refused,), None
    with archive:
        entries = [e for e in (_zip_entry(info) for info in archive.infolist()) if e is not None]
        total = 0
        checked = []
        for entry in entries:
            # The declared total is summed over members actually taken, so a bomb refused for its ratio
            # does not also push the honest files after it over the total.
            if entry.refusal is None:
                total += entry.declared_size
                if total > limits.max_zip_total_bytes:
                    entry = _refuse(
                        entry, f"zip declares more than {limits.max_zip_total_bytes} bytes uncompressed"
                    )
                elif entry.member is not None and _ratio(entry.member) > limits.max_zip_ratio:
                    total -= entry.declared_size
                    entry = _refuse(
                        entry,
                        f"compression ratio {_ratio(entry.member):.0f}:1 exceeds {limits.max_zip_ratio:.0f}:1 "
                        "(zip bomb)",
                    )
            checked.append(entry)
        return _materialise(checked, limits, lambda e, cap: _read_member(archive, e, cap))


def _zip_entry(info: zipfile.ZipInfo) -> _Entry | None:
    """Classify one zip member; None for folders and archiver litter that hold no document."""
    name = info.filename
    if info.is_dir():
        return None
    # Hostile names first: '..' would otherwise pass for a hidden entry and vanish unreported.
    unsafe = _unsafe_zip_name(name)
    if unsafe:
        return _Entry(name, info.file_size, refusal=unsafe, member=info)
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if any(_is_hidden(p) or p in _SKIPPED_DIRS for p in parts):
        return None
    clean = PurePosixPath(*parts).as_posix()
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return _Entry(
            clean, info.file_size, refusal="symbolic link inside a zip is not followed", member=info
        )
    if info.flag_bits & 0x1:
        return _Entry(clean, info.file_size, refusal="zip member is encrypted", member=info)
    return _Entry(clean, info.file_size, member=info)


def _unsafe_zip_name(name: str) -> str | None:
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return "absolute path in zip (zip slip)"
    if ".." in PurePosixPath(posix).parts:
        return "path escapes the bundle with '..' (zip slip)"
    if "\x00" in name:
        return "NUL character in zip member name"
    return None


def _ratio(info: zipfile.ZipInfo) -> float:
    return info.file_size / max(info.compress_size, 1)


# --------------------------------------------------------------------------------------------------
# Applying limits and reading bytes.


def _materialise(
    entries: list[_Entry],
    limits: IntakeLimits,
    read: _Reader,
) -> tuple[tuple[IntakeFile, ...], _AppRaw]:
    """Apply per-file limits, read what is accepted, and set application.json aside."""
    app_entry = _application_entry(entries)
    app_raw: _AppRaw = None
    files: list[IntakeFile] = []
    documents = 0
    for entry in entries:
        if entry is app_entry:
            app_raw = _read_application(entry, limits, read)
            continue
        if PurePosixPath(entry.name).name == TRUTH_FILE:
            continue
        documents += 1
        if entry.refusal is None and documents > limits.max_bundle_files:
            entry = _refuse(entry, f"bundle holds more than {limits.max_bundle_files} files")
        files.append(_take(entry, limits, read))
    return tuple(files), app_raw


def _application_entry(entries: list[_Entry]) -> _Entry | None:
    """The shallowest ``application.json`` (a zip often wraps the bundle in one folder)."""
    candidates = [e for e in entries if PurePosixPath(e.name).name == APPLICATION_FILE]
    return min(candidates, key=lambda e: (e.name.count("/"), e.name), default=None)


def _read_application(entry: _Entry, limits: IntakeLimits, read: _Reader) -> tuple[bytes | None, str | None]:
    taken = _take(entry, limits, read)
    if taken.error:
        return None, f"{APPLICATION_FILE}: {taken.error}"
    return taken.data, None


def _take(entry: _Entry, limits: IntakeLimits, read: _Reader) -> IntakeFile:
    if entry.refusal is None and entry.declared_size > limits.max_file_bytes:
        entry = _refuse(entry, f"file is {entry.declared_size} bytes; limit is {limits.max_file_bytes}")
    if entry.refusal is not None:
        return IntakeFile(
            entry.name, "", entry.declared_size, "application/octet-stream", error=entry.refusal
        )
    try:
        data = read(entry, limits.max_file_bytes)
    except _Refused as exc:
        return IntakeFile(entry.name, "", entry.declared_size, "application/octet-stream", error=str(exc))
    media_type = sniff_media_type(data[:_SNIFF_BYTES])
    sha = hashlib.sha256(data).hexdigest()
    if media_type == "application/zip":
        return IntakeFile(
            entry.name, sha, len(data), media_type, error="archive inside a bundle is not expanded"
        )
    return IntakeFile(entry.name, sha, len(data), media_type, data=data)


def _read_path(entry: _Entry, cap: int) -> bytes:
    assert entry.path is not None
    try:
        with entry.path.open("rb") as fh:
            return _read_capped(fh, cap)
    except OSError as exc:
        raise _Refused(f"cannot be read: {exc.strerror or exc}") from exc


def _read_member(archive: zipfile.ZipFile, entry: _Entry, cap: int) -> bytes:
    assert entry.member is not None
    try:
        with archive.open(entry.member) as fh:
            return _read_capped(fh, cap)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
    ) as exc:
        raise _Refused(f"zip member cannot be extracted: {exc}") from exc


def _read_capped(fh: IO[bytes], cap: int) -> bytes:
    """Stream at most ``cap`` bytes: a declared size can lie, the cap cannot."""
    chunks: list[bytes] = []
    total = 0
    while chunk := fh.read(min(_CHUNK, cap + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > cap:
            raise _Refused(f"file is larger than the limit of {cap} bytes")
    return b"".join(chunks)


def _parse_application(raw: _AppRaw) -> tuple[Application | None, str | None]:
    if raw is None:
        return None, None
    data, error = raw
    if error is not None or data is None:
        return None, error
    try:
        return Application.model_validate(json.loads(data)), None
    except (ValueError, ValidationError) as exc:
        # Only the first error: the message reaches the report and should stay short.
        first = str(exc).splitlines()
        reason = " ".join(first[:3]) if first else type(exc).__name__
        return None, f"{APPLICATION_FILE} is malformed: {reason}"


def _bundle_hash(files: Sequence[IntakeFile], application_raw: bytes | None) -> str:
    """One hash for the bundle's content: its documents and what the applicant declared, so a changed
    application.json is a changed bundle (``batch --resume`` must verify it again)."""
    digest = hashlib.sha256()
    for name, sha in sorted((f.name, f.sha256) for f in files):
        digest.update(f"{name}\x00{sha}\n".encode())
    if application_raw is not None:
        digest.update(b"application\x00" + hashlib.sha256(application_raw).hexdigest().encode())
    return digest.hexdigest()


def _refuse(entry: _Entry, reason: str) -> _Entry:
    return _Entry(entry.name, entry.declared_size, refusal=reason, path=entry.path, member=entry.member)


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _is_zip(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return sniff_media_type(fh.read(8)) == "application/zip"
    except OSError:
        return False


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
