"""The CQC / PCH self-assessment framework as data classes, loaded from data files.

Plain frozen dataclasses, so that loading the framework needs no pydantic: pydantic checks them
(:func:`pipeline.datafile.validate`) when they are read from YAML, with the checks written into
their annotations (``Check``, ``Bounds``) and their ``__post_init__`` (which runs either way).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Literal

from pipeline.datafile import FORBID_EXTRA, Bounds, Check, dumps

# The codes' forms, checked when a file is read (compiled then, not on every import).
QS_CODE = r"^QS[1-9][0-9]*$"
IR_CODE = r"^IR[1-9][0-9]*$"
CRITERION_CODE = r"^[1-9][0-9]*\.[1-9][0-9]*$"
STANDARD_CODE = r"S[1-9][0-9]*"
SLUG = r"[a-z0-9]+(-[a-z0-9]+)*"


def _qs_code(v: str) -> str:
    if not re.match(QS_CODE, v):
        raise ValueError(f"quality statement code {v!r} must look like QS1")
    return v


def _slug(v: str) -> str:
    if not re.fullmatch(SLUG, v):
        raise ValueError(f"slug {v!r} must be lower-case words joined by hyphens")
    return v


def _ir_code(v: str) -> str:
    if not re.match(IR_CODE, v):
        raise ValueError(f"information return code {v!r} must look like IR5")
    return v


def _criterion_code(v: str) -> str:
    if not re.match(CRITERION_CODE, v):
        raise ValueError(f"criterion code {v!r} must look like 3.2")
    return v


def _standard_code(v: str) -> str:
    if not re.fullmatch(STANDARD_CODE, v):
        raise ValueError(f"standard code {v!r} must look like S3")
    return v


class FrameworkError(Exception):
    """The framework data (packaged or a council's override file) is not valid."""


class _Strict:
    """Every class: frozen, keyword arguments only, and (for pydantic) no keys but its fields."""

    __pydantic_config__ = FORBID_EXTRA


@dataclass(frozen=True, kw_only=True)
class TextBlock(_Strict):
    """A paragraph, optionally followed by bullet points (as the guidance lays text out)."""

    text: str = ""
    bullets: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RatingOption(_Strict):
    value: int
    label: str

    @property
    def display(self) -> str:
        """The dropdown text, e.g. ``3 Tend to agree``."""
        return f"{self.value} {self.label}"


@dataclass(frozen=True, kw_only=True)
class QualityStatement(_Strict):
    code: Annotated[str, Check(_qs_code)]
    slug: Annotated[str, Check(_slug)]
    name: str
    we_statement: str
    i_statements: tuple[str, ...]
    cqc_looking_for: tuple[TextBlock, ...]
    data_to_consider: tuple[str, ...]
    checklist_statements: tuple[str, ...]
    prompts: tuple[str, ...]

    @property
    def file_stem(self) -> str:
        """``QS1-assessing-needs``: the stem of every generated file for this statement."""
        return f"{self.code}-{self.slug}"


@dataclass(frozen=True, kw_only=True)
class Theme(_Strict):
    code: str
    name: str
    introduction: str = ""
    quality_statements: tuple[QualityStatement, ...]


@dataclass(frozen=True, kw_only=True)
class IRItem(_Strict):
    """One item of the CQC local authority information return."""

    code: Annotated[str, Check(_ir_code)]
    text: str
    detail: TextBlock | None = None
    # QS codes, or ("ALL",) for items that relate to every quality statement.
    quality_statements: tuple[str, ...]
    document_types: tuple[str, ...]
    # How old a data document for this item may be, in months, when the item asks for a period
    # (IR21: the last three months); None: the council's setting (evidence_max_age_months).
    max_age_months: Annotated[int, Bounds(ge=1)] | None = None

    @property
    def relates_to_all(self) -> bool:
        return self.quality_statements == ("ALL",)

    @property
    def number(self) -> int:
        return int(self.code[2:])


@dataclass(frozen=True, kw_only=True)
class FrameworkInfo(_Strict):
    id: str
    version: str
    title: str
    source: str
    data_pack_url: str = ""


@dataclass(frozen=True, kw_only=True)
class Framework(_Strict):
    """The whole framework: themes, quality statements, rating scale, IR items."""

    framework: FrameworkInfo
    rating_scale: tuple[RatingOption, ...]
    respondent_groups: tuple[str, ...]
    sign_off_roles: tuple[str, ...]
    # The lived-experience view: whose ratings are those of people who use services, and whose
    # are those of staff and partners (other groups are on neither side).
    people_who_use_services: tuple[str, ...] = ()
    staff_and_partners: tuple[str, ...] = ()
    themes: tuple[Theme, ...]
    ir_items: tuple[IRItem, ...]
    # The order of the IR items for all themes in Section D, as the guidance lists them (IR37,
    # IR38, IR2 ...); items not named follow in number order.
    all_themes_order: tuple[str, ...] = ()
    kind: Literal["selfassess-framework"] = "selfassess-framework"

    def __post_init__(self) -> None:
        """The checks across fields (run by pydantic, which reports them for the whole file, and
        by every construction: a framework that breaks them cannot be made)."""
        codes = [qs.code for qs in self.quality_statements]
        if len(set(codes)) != len(codes):
            raise ValueError(f"quality statement codes repeat: {codes}")
        ir = [item.code for item in self.ir_items]
        if len(set(ir)) != len(ir):
            raise ValueError(f"information return codes repeat: {sorted(ir)}")
        unknown = set(self.all_themes_order) - set(ir)
        if unknown:
            raise ValueError(f"all_themes_order names unknown IR items: {sorted(unknown)}")
        known = set(codes) | {"ALL"}
        for item in self.ir_items:
            for qs in item.quality_statements:
                if qs not in known:
                    raise ValueError(f"{item.code} names unknown quality statement {qs}")
        values = sorted(r.value for r in self.rating_scale)
        if values != [0, 1, 2, 3, 4]:
            raise ValueError("the rating scale must have the values 0 to 4")

    @property
    def quality_statements(self) -> tuple[QualityStatement, ...]:
        return tuple(qs for theme in self.themes for qs in theme.quality_statements)

    def quality_statement(self, code: str) -> QualityStatement:
        for qs in self.quality_statements:
            if qs.code == code:
                return qs
        raise KeyError(code)

    def theme_of(self, code: str) -> Theme:
        for theme in self.themes:
            if any(qs.code == code for qs in theme.quality_statements):
                return theme
        raise KeyError(code)

    def ir_item(self, code: str) -> IRItem:
        for item in self.ir_items:
            if item.code == code:
                return item
        raise KeyError(code)

    @property
    def version_tag(self) -> str:
        """``pch-cqc-la@3.0``: written into every generated workbook's identity."""
        return f"{self.framework.id}@{self.framework.version}"

    @cached_property
    def digest(self) -> str:
        """A fingerprint of the whole content (packaged data with any overrides): the SHA-256
        of its compact JSON, the same value pydantic's ``model_dump_json`` gave (round.json and
        the packaged caches keep it). Worked out once per framework: reading a workspace asks
        for it for every blank workbook."""
        import hashlib

        return hashlib.sha256(dumps(self).encode()).hexdigest()


# ---- Practice assurance standards (case-file audits) -------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Criterion(_Strict):
    """One criterion of a practice standard, audited as met, partly met, not met or n/a."""

    code: Annotated[str, Check(_criterion_code)]  # "3.2": standard 3, criterion 2
    text: str


@dataclass(frozen=True, kw_only=True)
class Standard(_Strict):
    """A practice assurance standard: its criteria and the IR items its audits serve."""

    code: Annotated[str, Check(_standard_code)]  # "S3"
    name: str
    introduction: str = ""
    ir_items: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...]

    @property
    def number(self) -> int:
        return int(self.code[1:])

    @property
    def title(self) -> str:
        """``Standard 3: Safeguarding everyone``."""
        return f"Standard {self.number}: {self.name}"


@dataclass(frozen=True, kw_only=True)
class PracticeStandards(_Strict):
    """The standards case files are audited against (``practice-assurance-standards.yaml``)."""

    id: str
    version: str
    title: str
    standards: tuple[Standard, ...]

    def __post_init__(self) -> None:
        """The checks across fields, as :meth:`Framework.__post_init__`."""
        codes = [s.code for s in self.standards]
        if len(set(codes)) != len(codes):
            raise ValueError(f"standard codes repeat: {codes}")
        criteria = [c.code for c in self.criteria]
        if len(set(criteria)) != len(criteria):
            raise ValueError(f"criterion codes repeat: {criteria}")
        for standard in self.standards:
            if not standard.criteria:
                raise ValueError(f"{standard.code} has no criteria")
            for criterion in standard.criteria:
                if criterion.code.split(".")[0] != str(standard.number):
                    raise ValueError(f"criterion {criterion.code} is not of {standard.code}")

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for s in self.standards for c in s.criteria)

    def standard_of(self, criterion: str) -> Standard:
        number = int(criterion.split(".")[0])
        for standard in self.standards:
            if standard.number == number:
                return standard
        raise KeyError(criterion)

    @property
    def version_tag(self) -> str:
        """``practice-assurance@1``: written into every audit workbook's identity."""
        return f"{self.id}@{self.version}"

    def check_ir_items(self, framework: Framework) -> None:
        """Every IR item a standard names is one of ``framework``'s (ValueError otherwise)."""
        known = {item.code for item in framework.ir_items}
        for standard in self.standards:
            unknown = sorted(set(standard.ir_items) - known)
            if unknown:
                raise ValueError(
                    f"{standard.code} names IR items the framework does not have: "
                    f"{', '.join(unknown)}"
                )
