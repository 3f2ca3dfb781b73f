"""Settings a council may change in ``selfassess.toml`` at the top of its workspace."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import SelfAssessError

SETTINGS_FILE = "selfassess.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Stage1Settings(_Section):
    """Thresholds for the Stage 1 findings (SPEC §6)."""

    divergence_share: float = Field(0.25, ge=0, le=1)
    group_min_ratings: int = Field(3, ge=1)
    group_mean_gap: float = Field(1.0, ge=0)
    dont_know_gap_share: float = Field(0.25, ge=0, le=1)
    evidence_min_share: float = Field(0.5, ge=0, le=1)
    min_ratings_for_strength: int = Field(3, ge=1)
    emerging_count: int = Field(3, ge=1)


class LimitSettings(_Section):
    """Limits applied to every workbook before it is parsed (SPEC §8)."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_zip_entries: int = 500
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_compression_ratio: float = 200.0


class ReportSettings(_Section):
    word_limit: int = 750
    max_strengths: int = 3
    max_improvements: int = 3
    section_a_word_warning: int = 2000
    evidence_max_age_months: int = 12


class Settings(_Section):
    council: str = ""
    stage1: Stage1Settings = Stage1Settings()
    limits: LimitSettings = LimitSettings()
    report: ReportSettings = ReportSettings()


def load_settings(workspace_root: Path) -> Settings:
    """The workspace's settings, defaults for anything not given."""
    path = workspace_root / SETTINGS_FILE
    if not path.is_file():
        return Settings()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
        return Settings.model_validate(data)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SelfAssessError(f"{SETTINGS_FILE} cannot be read ({e}); fix or delete it.") from e
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise SelfAssessError(f"{SETTINGS_FILE} has settings that are not valid: {problems}") from e
