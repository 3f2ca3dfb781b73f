"""Pydantic models of the CQC / PCH self-assessment framework, loaded from data files."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

QS_CODE = re.compile(r"^QS[1-9][0-9]*$")
IR_CODE = re.compile(r"^IR[1-9][0-9]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextBlock(_Strict):
    """A paragraph, optionally followed by bullet points (as the guidance lays text out)."""

    text: str = ""
    bullets: tuple[str, ...] = ()


class RatingOption(_Strict):
    value: int
    label: str

    @property
    def display(self) -> str:
        """The dropdown text, e.g. ``3 Tend to agree``."""
        return f"{self.value} {self.label}"


class QualityStatement(_Strict):
    code: str
    slug: str
    name: str
    we_statement: str
    i_statements: tuple[str, ...]
    cqc_looking_for: tuple[TextBlock, ...]
    data_to_consider: tuple[str, ...]
    checklist_statements: tuple[str, ...]
    prompts: tuple[str, ...]

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not QS_CODE.match(v):
            raise ValueError(f"quality statement code {v!r} must look like QS1")
        return v

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", v):
            raise ValueError(f"slug {v!r} must be lower-case words joined by hyphens")
        return v

    @property
    def file_stem(self) -> str:
        """``QS1-assessing-needs``: the stem of every generated file for this statement."""
        return f"{self.code}-{self.slug}"


class Theme(_Strict):
    code: str
    name: str
    introduction: str = ""
    quality_statements: tuple[QualityStatement, ...]


class IRItem(_Strict):
    """One item of the CQC local authority information return."""

    code: str
    text: str
    detail: TextBlock | None = None
    quality_statements: tuple[str, ...] = Field(
        description='QS codes, or ("ALL",) for items that relate to every quality statement'
    )
    document_types: tuple[str, ...]
    max_age_months: int | None = Field(
        None,
        ge=1,
        description="how old a data document for this item may be, in months, when the item "
        "asks for a period (IR21: the last three months); None: the council's setting "
        "(evidence_max_age_months)",
    )

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not IR_CODE.match(v):
            raise ValueError(f"information return code {v!r} must look like IR5")
        return v

    @property
    def relates_to_all(self) -> bool:
        return self.quality_statements == ("ALL",)

    @property
    def number(self) -> int:
        return int(self.code[2:])


class FrameworkInfo(_Strict):
    id: str
    version: str
    title: str
    source: str
    data_pack_url: str = ""


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
    all_themes_order: tuple[str, ...] = Field(
        (),
        description="the order of the IR items for all themes in Section D, as the guidance "
        "lists them (IR37, IR38, IR2 …); items not named follow in number order",
    )
    kind: Literal["selfassess-framework"] = "selfassess-framework"

    @model_validator(mode="after")
    def _consistent(self) -> Framework:
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
        return self

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


# ---- Practice assurance standards (case-file audits) -------------------------------------------

CRITERION_CODE = re.compile(r"^[1-9][0-9]*\.[1-9][0-9]*$")


class Criterion(_Strict):
    """One criterion of a practice standard, audited as met, partly met, not met or n/a."""

    code: str  # "3.2": standard 3, criterion 2
    text: str

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not CRITERION_CODE.match(v):
            raise ValueError(f"criterion code {v!r} must look like 3.2")
        return v


class Standard(_Strict):
    """A practice assurance standard: its criteria and the IR items its audits serve."""

    code: str  # "S3"
    name: str
    introduction: str = ""
    ir_items: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...]

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not re.fullmatch(r"S[1-9][0-9]*", v):
            raise ValueError(f"standard code {v!r} must look like S3")
        return v

    @property
    def number(self) -> int:
        return int(self.code[1:])

    @property
    def title(self) -> str:
        """``Standard 3: Safeguarding everyone``."""
        return f"Standard {self.number}: {self.name}"


class PracticeStandards(_Strict):
    """The standards case files are audited against (``practice-assurance-standards.yaml``)."""

    id: str
    version: str
    title: str
    standards: tuple[Standard, ...]

    @model_validator(mode="after")
    def _consistent(self) -> PracticeStandards:
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
        return self

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
