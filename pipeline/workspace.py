"""Where things live in a workspace (SPEC §3), and ``init`` for a new one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import SelfAssessError
from pipeline.resources import template_path

if TYPE_CHECKING:
    from pipeline.framework import Framework, PracticeStandards
    from pipeline.settings import Settings


@dataclass(frozen=True)
class Workspace:
    """A council's workspace folder: ``inputs/`` people give back, ``outputs/`` the tool makes."""

    root: Path

    def __post_init__(self) -> None:
        # Workspace("anytown") from a script or notebook, as README shows: a name is a path.
        if not isinstance(self.root, Path):
            object.__setattr__(self, "root", Path(self.root))

    @property
    def inputs(self) -> Path:
        return self.root / "inputs"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    @property
    def overview(self) -> Path:
        return self.inputs / "overview.xlsx"

    @property
    def evidence_library(self) -> Path:
        return self.inputs / "evidence-library.xlsx"

    @property
    def framework_overrides(self) -> Path:
        return self.inputs / "framework.yaml"

    @property
    def improvement_plan(self) -> Path:
        return self.inputs / "improvement-plan.xlsx"

    @property
    def thread_xlsx(self) -> Path:
        return self.outputs / "thread.xlsx"

    @property
    def stage1_inputs(self) -> Path:
        return self.inputs / "stage1"

    @property
    def surveys_dir(self) -> Path:
        """Survey exports, copied in by ``selfassess import survey`` and counted by collect."""
        return self.inputs / "surveys"

    @property
    def survey_mapping(self) -> Path:
        """How each survey export's columns are read (written by ``import survey``)."""
        return self.inputs / "survey-mapping.yaml"

    @property
    def audits_inputs(self) -> Path:
        """Returned case-file audits (``selfassess collect audits`` and ``validate`` read them)."""
        return self.inputs / "audits"

    @property
    def practice_standards(self) -> Path:
        """A council's own practice standards for case-file audits (replaces the packaged)."""
        return self.inputs / "practice-standards.yaml"

    @property
    def audit_templates_dir(self) -> Path:
        return self.outputs / "audits" / "templates"

    @property
    def audit_findings_xlsx(self) -> Path:
        return self.outputs / "audits" / "audit-findings.xlsx"

    @property
    def stage2_inputs(self) -> Path:
        return self.inputs / "stage2"

    @property
    def checklists_dir(self) -> Path:
        return self.outputs / "stage1" / "checklists"

    @property
    def findings_xlsx(self) -> Path:
        return self.outputs / "stage1" / "findings.xlsx"

    @property
    def summaries_dir(self) -> Path:
        return self.outputs / "stage2" / "templates"

    @property
    def validation_report(self) -> Path:
        return self.outputs / "validation-report.xlsx"

    @property
    def ir_coverage(self) -> Path:
        return self.outputs / "ir-coverage.xlsx"

    @property
    def rounds_dir(self) -> Path:
        """Closed rounds, one read-only folder each (``selfassess round close``)."""
        return self.root / "rounds"

    @property
    def comparison_xlsx(self) -> Path:
        return self.outputs / "comparison.xlsx"

    @property
    def report_docx(self) -> Path:
        return self.outputs / "self-assessment.docx"

    @property
    def report_pdf(self) -> Path:
        return self.outputs / "self-assessment.pdf"

    def template(self, relative: str) -> Path:
        """A template file: the workspace's own copy under ``templates/`` if it has one, else the
        one shipped with the tool (see :mod:`pipeline.resources`)."""
        own = self.root / "templates" / relative
        if own.is_file():
            return own
        shipped = template_path(relative)
        if not shipped.is_file():
            raise SelfAssessError(
                f"selfassess is installed without its template {relative} (looked for "
                f"{shipped}). This is a packaging fault, not a problem with your files: "
                "reinstall selfassess, or put your own copy in the workspace's templates/ folder."
            )
        return shipped

    def relative(self, path: Path) -> str:
        """A path as people see it in messages: relative to the workspace, with ``/``.

        A file name that is not valid UTF-8 (made on another system) is shown with ``\ufffd``
        for the bytes that cannot be printed, so that messages, JSON and workbooks can hold it."""
        try:
            shown = path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            shown = str(path)
        return printable_path(shown)

    @property
    def checked_cache(self) -> Path | None:
        """Where the framework, practice standards and settings a council changed are kept once
        checked (``outputs/.cache/checked``), so that the next run reads neither YAML nor
        pydantic; None when the workspace has no outputs/ folder (nothing is made there then).
        Each copy is used only for the file it was made from (see :mod:`pipeline.datafile`),
        and deleting the folder is always safe."""
        return self.outputs / ".cache" / "checked" if self.outputs.is_dir() else None

    @cached_property
    def framework(self) -> Framework:
        from pipeline.framework import FrameworkError, load_framework

        try:
            return load_framework(self.framework_overrides, self.checked_cache)
        except FrameworkError as e:
            raise SelfAssessError(str(e)) from e

    @cached_property
    def standards(self) -> PracticeStandards:
        """The practice assurance standards case files are audited against."""
        from pipeline.framework import FrameworkError, load_standards

        try:
            return load_standards(self.practice_standards, self.framework, self.checked_cache)
        except FrameworkError as e:
            raise SelfAssessError(str(e)) from e

    @cached_property
    def settings(self) -> Settings:
        from pipeline.settings import load_settings

        return load_settings(self.root, self.checked_cache)

    def require(self) -> Workspace:
        """This workspace, or a clear error when the folder is not one."""
        if not self.root.is_dir():
            raise SelfAssessError(
                f"The workspace folder {self.root} does not exist. "
                "Create one with: selfassess init DIR --council NAME"
            )
        if not self.inputs.is_dir():
            raise SelfAssessError(
                f"{self.root} is not a selfassess workspace (it has no inputs/ folder). "
                "Use --workspace DIR, or create one with: selfassess init DIR --council NAME"
            )
        return self


# Office lock files ("~$x.xlsx", ".~lock.x.xlsx#") and the folder clutter of Windows and macOS
# are not inputs. Everything else under an input folder is read, so nothing is silently dropped.
_LOCK_PREFIXES = ("~$", ".~lock", "._")


_CLUTTER = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


def input_files(folder: Path) -> list[Path]:
    """Every file under ``folder`` (any sub-folder) except lock files and clutter, in path order."""
    if not folder.is_dir():
        return []
    files = [
        p
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(_LOCK_PREFIXES) and p.name.lower() not in _CLUTTER
    ]
    return sorted(files, key=lambda p: p.relative_to(folder).as_posix())


def slugify(text: str) -> str:
    """``Assessing needs`` -> ``assessing-needs``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def printable_path(text: str) -> str:
    """``text`` (a path from the file system) without the surrogate escapes Python uses for bytes
    that are not UTF-8: each such byte becomes ``\ufffd``."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
