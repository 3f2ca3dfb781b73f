"""Filing returned workbooks dropped on the page: each is read with the same safe reader as
``collect`` and ``validate`` before it is kept, and filed by the identity it carries.

The name a browser sends is never used as a path: only a cleaned base name ending ``.xlsx`` is
kept, in the folder the workbook's identity decides. A file of the same name that differs is
never overwritten (the new one gets ``-2``, ``-3``…); the same bytes already filed are not filed
twice. The evidence library and overview have one place each: a new one replaces the current
one, which is kept under ``inputs/replaced/`` (no reader looks there).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pipeline.workspace import input_files

if TYPE_CHECKING:
    from pipeline.model.inputs import Stage1Return
    from pipeline.workspace import Workspace


REPLACED = "replaced"


# Characters no file name keeps on Windows, macOS or Linux, and control characters.
# Not allowed in Windows file names, control characters, and the bidirectional controls that make
# a name show as another ("report\u202excod.xlsx").
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]')

# Names Windows keeps for devices, whatever the extension ("CON.xlsx" is the console).
_DEVICES = frozenset(
    {
        "CON",
        "PRN",
        "AUX",
        "NUL",
        *(f"COM{n}" for n in range(1, 10)),
        *(f"LPT{n}" for n in range(1, 10)),
    }
)


_MAX_NAME = 120  # bytes of UTF-8: well within any file system's 255


# Uploads are written here first (inside inputs/, with a prefix no reader looks at).
_TEMP_PREFIX = "._upload-"


def _refused(name: str, reason: str) -> Filed:
    """A refusal with the reader's one-line reason, as a sentence: "It is not a workbook…"."""
    reason = reason.rstrip(".") + "."
    return Filed(name, False, f"It {reason}" if reason[:1].islower() else reason)


@dataclass(frozen=True)
class Filed:
    """What happened to one uploaded file: ``accepted`` (filed or already there) or refused.

    ``message`` is the one line the page shows ("QS3 checklist from an unpaid carer, 12
    ratings" or the reader's reason); ``path`` is where it is, relative to the workspace."""

    name: str
    accepted: bool
    message: str
    path: str | None = None
    kind: str | None = None
    already: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "accepted": self.accepted,
            "message": self.message,
            "path": self.path,
            "kind": self.kind,
            "already": self.already,
        }


def clean_name(name: str) -> str | None:
    """The base name of an uploaded file as it may be kept, or None when it is not ``.xlsx``.

    Any folder part (``../../x.xlsx``, ``C:\\Users\\x.xlsx``) is dropped, characters that are
    not allowed in file names are replaced, leading dots and spaces removed, the length capped.
    """
    name = unicodedata.normalize("NFC", name or "")
    base = re.split(r"[/\\]", name)[-1]
    base = _UNSAFE.sub("_", base).strip().lstrip(". ")
    if not base.lower().endswith(".xlsx"):
        return None
    stem = base[: -len(".xlsx")].rstrip(". ")
    if not stem or stem.startswith("~$"):
        stem = "upload"
    if stem.split(".")[0].strip().upper() in _DEVICES:
        stem = f"{stem}_"
    while len(stem.encode("utf-8")) > _MAX_NAME:
        stem = stem[:-1]
    return stem.rstrip(". ") + ".xlsx"


def file_upload(ws: Workspace, name: str, stream: IO[bytes], max_bytes: int) -> Filed:
    """Check one uploaded workbook and file it in ``ws``'s inputs, or say why not."""
    shown = name or "(no name)"
    clean = clean_name(shown)
    if clean is None:
        return _refused(shown, "is not an Excel workbook (.xlsx); only .xlsx files are taken.")
    ws.inputs.mkdir(parents=True, exist_ok=True)
    temp = ws.inputs / f"{_TEMP_PREFIX}{secrets.token_hex(8)}.xlsx"
    try:
        size = _copy_limited(stream, temp, max_bytes)
        if size is None:
            return _refused(
                shown,
                f"is larger than {max_bytes // (1024 * 1024)} MB, the most a workbook may be "
                "(max_upload_bytes in selfassess.toml).",
            )
        return _file_checked(ws, shown, clean, temp)
    finally:
        temp.unlink(missing_ok=True)


def _copy_limited(stream: IO[bytes], target: Path, max_bytes: int) -> int | None:
    """Copy ``stream`` to ``target``; None (and nothing kept) when it is over ``max_bytes``."""
    size = 0
    with target.open("xb") as out:
        while chunk := stream.read(1024 * 1024):
            size += len(chunk)
            if size > max_bytes:
                break
            out.write(chunk)
    if size > max_bytes:
        target.unlink(missing_ok=True)
        return None
    return size


def _file_checked(ws: Workspace, shown: str, clean: str, temp: Path) -> Filed:
    from pipeline.xlsx.cells import WorkbookRejected
    from pipeline.xlsx.identity import (
        AUDIT,
        CHECKLIST,
        LIBRARY,
        OVERVIEW,
        PLAN,
        SUMMARY,
        identity_problem,
        read_identity,
    )
    from pipeline.xlsx.reader import open_workbook

    try:
        wb = open_workbook(temp, ws.settings.limits)
        identity = read_identity(wb)
    except WorkbookRejected as e:
        return _refused(shown, e.message + ".")
    kind = identity.get("template", "")
    framework = ws.framework
    if kind == CHECKLIST.kind:
        return _file_checklist(ws, shown, clean, temp)
    if kind == SUMMARY.kind:
        fresh = "use the current summary from outputs/stage2/templates/"
        problem = identity_problem(identity, SUMMARY, framework, fresh, fresh)
        if problem:
            return _refused(shown, problem + ".")
        code = identity["quality_statement"]
        qs = framework.quality_statement(code)
        described = f"{code} {qs.name}: Stage 2 summary"
        return _place(ws, shown, temp, ws.stage2_inputs, clean, "summary", described)
    if kind == AUDIT.kind:
        return _place(ws, shown, temp, ws.audits_inputs, clean, "audit", "A case-file audit")
    replaced = {
        LIBRARY.kind: (ws.evidence_library, "The evidence library"),
        OVERVIEW.kind: (ws.overview, "The overview workbook"),
        PLAN.kind: (ws.improvement_plan, "The improvement plan"),
    }
    if kind in replaced:
        target, what = replaced[kind]
        return _replace(ws, shown, temp, target, kind, what)
    return _refused(
        shown,
        f"is a selfassess workbook of a kind this page does not take ('{kind or 'unknown'}').",
    )


def _file_checklist(ws: Workspace, shown: str, clean: str, temp: Path) -> Filed:
    from pipeline.read.returns import read_return

    read = read_return(ws, temp)
    if read.skipped:
        return _refused(shown, read.skipped[0].message + ".")
    if not read.returns:  # an exact copy of another return (read_return reads one file)
        return _refused(shown, "could not be read as a checklist.")
    ret = read.returns[0]
    errors = sum(1 for f in read.findings if f.severity.value == "error")
    described = describe_return(ret)
    if errors:
        described += f"; {errors} problem{'s' * (errors != 1)} to look at after Collect"
    return _place(ws, shown, temp, ws.stage1_inputs, clean, "checklist", described)


def describe_return(ret: Stage1Return) -> str:
    """``QS3 checklist from an unpaid carer, 12 ratings``."""
    ratings = sum(1 for r in ret.responses if r.rating is not None)
    return (
        f"{ret.quality_statement} checklist from {_someone(ret.group)}, "
        f"{ratings} rating{'s' * (ratings != 1)}"
    )


def _someone(group: str) -> str:
    """``Unpaid carer`` -> ``an unpaid carer``; a group that names several people keeps its
    name (``adult social care staff``), a sector takes ``the``."""
    if not group or group.lower() in ("not given", "(not given)"):
        return "someone who did not give their group"
    if group.lower() == "other":
        return "someone in another group"
    text = group[0].lower() + group[1:] if not group[:2].isupper() else group
    lower = text.lower()
    if lower.endswith("sector"):
        return f"the {text}"
    if re.search(r"(staff|people|members)$", lower):
        return text
    article = "an" if lower[:1] in "aeiou" else "a"
    return f"{article} {text}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _place(
    ws: Workspace, shown: str, temp: Path, folder: Path, clean: str, kind: str, described: str
) -> Filed:
    """File ``temp`` in ``folder`` as ``clean`` (or ``-2``… when that name is taken by a
    different file); a file with the same bytes anywhere in ``folder`` is already there."""
    sha = _sha256(temp)
    size = temp.stat().st_size
    for existing in input_files(folder):
        try:
            same = existing.stat().st_size == size and _sha256(existing) == sha
        except OSError:
            continue
        if same:
            rel = ws.relative(existing)
            return Filed(shown, True, f"{described}: already have it ({rel})", rel, kind, True)
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, clean)
    os.replace(temp, target)
    rel = ws.relative(target)
    return Filed(shown, True, f"{described}; filed as {rel}", rel, kind)


def _free_name(folder: Path, clean: str) -> Path:
    stem, suffix = clean[: -len(".xlsx")], ".xlsx"
    target = folder / clean
    n = 2
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target


def _replace(ws: Workspace, shown: str, temp: Path, target: Path, kind: str, what: str) -> Filed:
    """Put ``temp`` at ``target`` (the register's or overview's one place), keeping the
    previous one under ``inputs/replaced/``."""
    rel = ws.relative(target)
    if target.is_file() and _sha256(target) == _sha256(temp):
        return Filed(shown, True, f"{what}: already have it ({rel})", rel, kind, True)
    note = ""
    if target.exists():
        keep = _free_name(ws.inputs / REPLACED, target.name)
        keep.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, keep)
        note = f" (the previous one is kept as {ws.relative(keep)})"
    os.replace(temp, target)
    return Filed(shown, True, f"{what}; filed as {rel}{note}", rel, kind)
