"""Settings a council may change in ``selfassess.toml`` at the top of its workspace.

Plain dataclasses (defaults in one place: the fields below), so that reading them needs no
pydantic: pydantic checks a ``selfassess.toml`` (:func:`pipeline.datafile.validate`) when no
checked copy of it is kept in the workspace's ``outputs/.cache`` (see :func:`load_settings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pipeline import datafile
from pipeline.datafile import FORBID_EXTRA, Bounds
from pipeline.errors import SelfAssessError, describe_validation_error

SETTINGS_FILE = "selfassess.toml"

Share = Annotated[float, Bounds(ge=0, le=1)]
AtLeast1 = Annotated[int, Bounds(ge=1)]


class _Section:
    """Every section: keyword arguments only, and (for pydantic) no keys but its fields."""

    __pydantic_config__ = FORBID_EXTRA


@dataclass(frozen=True, kw_only=True)
class Stage1Settings(_Section):
    """Thresholds for the Stage 1 findings (SPEC §6)."""

    divergence_share: Share = 0.25
    group_min_ratings: AtLeast1 = 3
    group_mean_gap: Annotated[float, Bounds(ge=0)] = 1.0
    dont_know_gap_share: Share = 0.25
    evidence_min_share: Share = 0.5
    min_ratings_for_strength: AtLeast1 = 3
    emerging_count: AtLeast1 = 3
    improvement_max_agree_share: Share = 0.6
    mask_personal_data: bool = True
    # A workshop or group return (marked on its checklist's "About you" sheet): its ratings are
    # the group's consensus, counted as one voice, or once for each participant.
    workshop_weight: Literal["one voice", "participants"] = "one voice"


@dataclass(frozen=True, kw_only=True)
class LimitSettings(_Section):
    """Limits applied to every workbook before it is parsed (SPEC §8)."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_zip_entries: int = 500
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_compression_ratio: float = 200.0


@dataclass(frozen=True, kw_only=True)
class ReportSettings(_Section):
    word_limit: int = 750
    max_strengths: int = 3
    max_improvements: int = 3
    section_a_word_warning: int = 2000
    evidence_max_age_months: int = 12
    # Stage 1 in the report: each part can be switched off.
    stage1_charts: bool = True
    stage1_summary: bool = True
    engagement_table: bool = True
    # Pictures pasted into a Stage 2 form's "What others say" area.
    picture_max_bytes: AtLeast1 = 5 * 1024 * 1024
    picture_max_pixels: AtLeast1 = 25_000_000
    # Annexes: the improvement plan (on), the self-ratings (internal: off).
    plan_annex: bool = True
    self_rating_annex: bool = False
    # A self-rating of 3-4 with less than this share agreeing at Stage 1, or of 1-2 with more
    # than self_rating_high_agree agreeing, is flagged as a sharp disagreement.
    self_rating_low_agree: Share = 0.5
    self_rating_high_agree: Share = 0.8

    # How long LibreOffice may take to make the PDF: this many seconds, plus so many for each
    # document of the evidence register (the register is what makes a report long).
    pdf_timeout_seconds: AtLeast1 = 120
    pdf_timeout_seconds_per_document: Annotated[float, Bounds(ge=0)] = 0.1


@dataclass(frozen=True, kw_only=True)
class ServeSettings(_Section):
    """Limits of ``selfassess serve``'s upload page (each file is then read with ``limits``)."""

    max_upload_bytes: AtLeast1 = 20 * 1024 * 1024
    max_upload_files: AtLeast1 = 100


@dataclass(frozen=True, kw_only=True)
class Settings(_Section):
    council: str = ""
    stage1: Stage1Settings = field(default_factory=Stage1Settings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)


def load_settings(workspace_root: Path, cache: Path | None = None) -> Settings:
    """The workspace's settings, defaults for anything not given.

    ``cache``: a folder to keep the checked settings in (the workspace's ``outputs/.cache``):
    the next run with the same ``selfassess.toml`` (byte for byte, and the same selfassess)
    builds them from there, without pydantic; any other file is checked again."""
    path = workspace_root / SETTINGS_FILE
    if not path.is_file():
        return Settings()
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SelfAssessError(f"{SETTINGS_FILE} cannot be read ({e.strerror}).") from e
    key = datafile.key([datafile.code_digest(__file__), "settings", datafile.digest(raw)])
    kept = None if cache is None else cache / "settings.json"
    found = None if kept is None else datafile.load(kept, key, Settings)
    if found is not None:
        return found
    settings = _check(raw)
    if kept is not None:
        datafile.store(kept, key, settings)
    return settings


def _check(raw: bytes) -> Settings:
    """``selfassess.toml``'s bytes read and checked by pydantic: SelfAssessError saying what is
    wrong otherwise."""
    import tomllib

    from pydantic import ValidationError

    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
        return datafile.validate(Settings, data)
    except UnicodeDecodeError as e:
        raise SelfAssessError(
            f"{SETTINGS_FILE} is not UTF-8 text; save it as UTF-8 in your editor (or delete it "
            "to use the defaults)."
        ) from e
    except tomllib.TOMLDecodeError as e:
        raise SelfAssessError(f"{SETTINGS_FILE} cannot be read ({e}); fix or delete it.") from e
    except ValidationError as e:
        raise SelfAssessError(
            f"{SETTINGS_FILE} has settings that are not valid: {describe_validation_error(e)}. "
            "Fix them, or delete the line to use the default."
        ) from e


_SETTINGS_TEMPLATE = """\
# selfassess settings. Every value below the council's name is the default; change as needed.

council = {council}

[stage1]
# A statement shows divergent views when at least this share of its 1-4 ratings sit on each side.
divergence_share = {s.divergence_share}
# ... or when two respondent groups with at least group_min_ratings ratings each differ in mean
# by group_mean_gap or more.
group_min_ratings = {s.group_min_ratings}
group_mean_gap = {s.group_mean_gap}
# An evidence gap: "don't know" is at least this share of responses ...
dont_know_gap_share = {s.dont_know_gap_share}
# ... or fewer than this share of the 1-4 ratings come with any evidence text.
evidence_min_share = {s.evidence_min_share}
# Emerging strengths need at least this many 1-4 ratings; how many strengths/improvements to list.
min_ratings_for_strength = {s.min_ratings_for_strength}
emerging_count = {s.emerging_count}
# An emerging area for improvement needs fewer than this share of its 1-4 ratings agreeing.
improvement_max_agree_share = {s.improvement_max_agree_share}
# Emails, phone, NHS and National Insurance numbers in Stage 1 comments are masked in
# findings.xlsx (collect still lists where they are); false shows them as typed.
mask_personal_data = {mask}
# A checklist marked as a workshop or group return gives its participants' consensus: counted as
# "one voice" (like any return) or weighted by "participants" (its ratings count once for each).
workshop_weight = {workshop_weight}

[report]
word_limit = {r.word_limit}
max_strengths = {r.max_strengths}
max_improvements = {r.max_improvements}
section_a_word_warning = {r.section_a_word_warning}
# How old data may be before stale-evidence warns; IR items that ask for their own period keep
# it (IR21: 3 months, IR27: 24), and strategies, policies and plans go by their review date.
evidence_max_age_months = {r.evidence_max_age_months}
# Stage 1 in the report (true or false): each quality statement's chart of the Stage 1 ratings
# and the line under it ("42 people from 7 groups; 78% agree overall") in Section B, and the
# table of returns by quality statement and respondent group in Section C.
stage1_charts = {stage1_charts}
stage1_summary = {stage1_summary}
engagement_table = {engagement_table}
# Pictures pasted into the "What others say" area of a Stage 2 summary go into the report
# unless larger than this (bytes, and width x height in pixels).
picture_max_bytes = {r.picture_max_bytes}
picture_max_pixels = {r.picture_max_pixels}
# Annexes (true or false): "Our improvement plan" (from inputs/improvement-plan.xlsx, when there
# is one) and the self-ratings on CQC's scale (internal: off for the submitted report).
plan_annex = {plan_annex}
self_rating_annex = {self_rating_annex}
# A self-rating of 3 or 4 with less than this share agreeing at Stage 1, or of 1 or 2 with more
# than self_rating_high_agree agreeing, is flagged as a sharp disagreement (status, the annex).
self_rating_low_agree = {r.self_rating_low_agree}
self_rating_high_agree = {r.self_rating_high_agree}

# build --pdf stops LibreOffice when the PDF takes longer than pdf_timeout_seconds plus
# pdf_timeout_seconds_per_document for each document of the evidence register (a register
# of 2,500 documents: 120 + 250 seconds). Raise them on a slow or busy computer.
pdf_timeout_seconds = {r.pdf_timeout_seconds}
pdf_timeout_seconds_per_document = {r.pdf_timeout_seconds_per_document}

[serve]
# The pen holder's page (selfassess serve): the largest workbook it takes (bytes), and how many
# workbooks one upload may carry. Each is then read with the same limits as collect and validate.
max_upload_bytes = {v.max_upload_bytes}
max_upload_files = {v.max_upload_files}
"""


def settings_template(council: str) -> str:
    """A new workspace's ``selfassess.toml``: the council's name, then every default."""
    import json

    # A JSON string is a valid TOML basic string.
    council_toml = json.dumps(council, ensure_ascii=False)
    s, r, v = Stage1Settings(), ReportSettings(), ServeSettings()
    # TOML booleans are lower case (true/false), as JSON's are.
    flags = {
        name: json.dumps(getattr(r, name))
        for name in (
            "stage1_charts",
            "stage1_summary",
            "engagement_table",
            "plan_annex",
            "self_rating_annex",
        )
    }
    mask = json.dumps(s.mask_personal_data)
    weight = json.dumps(s.workshop_weight)
    return _SETTINGS_TEMPLATE.format(
        council=council_toml, s=s, r=r, v=v, mask=mask, workshop_weight=weight, **flags
    )
