"""The records ``collect`` makes by the thousand (findings, returns, the input models) are plain
dataclasses: importing them costs no pydantic (issue 13), and they behave as the pydantic models
they replaced did (keyword-only, frozen, equal by value, the same ``--json``)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.model import codes
from pipeline.model.findings import Finding, Findings, Severity, error, warning
from pipeline.model.inputs import Located, Stage1Response, Stage1Return, Text

ROOT = Path(__file__).resolve().parent.parent


def test_the_model_modules_import_no_pydantic() -> None:
    modules = sorted(p.stem for p in (ROOT / "pipeline" / "model").glob("*.py"))
    assert {"findings", "inputs", "stage1", "codes"} <= set(modules)
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module('pipeline.model.' + name)\n"
        "print('pydantic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False"


def test_a_finding_in_json_keeps_its_keys_and_their_order() -> None:
    plain = warning("missing-field", "inputs/x.xlsx", "Fill it in.", sheet="S", cell="B2")
    figures = error("word-limit", "inputs/y.xlsx", "Too long.").with_data(words=812, ratio=1.5)
    assert json.dumps(Findings([plain, figures]).as_json()) == (
        '{"errors": 1, "warnings": 1, "findings": ['
        '{"severity": "warning", "code": "missing-field", "file": "inputs/x.xlsx", "sheet": "S", '
        '"cell": "B2", "field": null, "message": "Fill it in."}, '
        '{"severity": "error", "code": "word-limit", "file": "inputs/y.xlsx", "sheet": null, '
        '"cell": null, "field": null, "message": "Too long.", '
        '"data": {"words": 812, "ratio": 1.5}}]}'
    )


def test_a_finding_is_frozen_keyword_only_and_equal_by_value() -> None:
    found = error("word-limit", "f", "m", field="Ambition").with_data(words=812)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.message = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Finding("error", "word-limit", "f", message="m")  # type: ignore[misc]
    again = Finding(
        severity="error",  # type: ignore[arg-type]
        code="word-limit",
        file="f",
        field="Ambition",
        message="m",
        data={"words": 812},
    )
    assert again.severity is Severity.ERROR  # text becomes the enum, as pydantic made it
    assert again == found and hash(again) == hash(found) and len({again, found}) == 1
    assert dataclasses.replace(found, message="other") != found


def test_replacing_a_field_checks_the_code_again() -> None:
    found = warning("missing-field", "f", "m")
    assert dataclasses.replace(found, severity=Severity.ERROR).severity is Severity.ERROR
    with pytest.raises(codes.UnknownCodeError):
        dataclasses.replace(found, code="no-such-code")


def test_a_typo_in_the_codes_table_is_refused() -> None:
    with pytest.raises(ValueError, match="not in its severities"):
        codes.Code(code="x", severity="warning", title="t", fix="f", severities={"error": "a"})
    with pytest.raises(ValueError, match="not error or warning"):
        codes.Code(code="x", severity="fatal", title="t", fix="f")  # type: ignore[arg-type]


def test_input_records_are_keyword_only_frozen_values() -> None:
    at = Located(file="inputs/stage1/a.xlsx", sheet="Checklist", cell="C8")
    with pytest.raises(TypeError):
        Located("inputs/stage1/a.xlsx")  # type: ignore[misc]
    answer = Stage1Response(number=1, rating=3, rating_cell="C8")
    made = Stage1Return(file=at.file, quality_statement="QS1", responses=(answer,))
    assert made == Stage1Return(file=at.file, quality_statement="QS1", responses=(answer,))
    assert (made.source, made.participants, made.participant_groups) == ("checklist", 1, ())
    assert Text(at=at).blank and not Text(value="x", at=at).blank
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.group = "Staff"  # type: ignore[misc]
