"""Every file a council may edit (framework.yaml, selfassess.toml, style.toml) is checked like a
workbook: any content ends in one line naming the file and what is expected, never a traceback."""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import SelfAssessError
from pipeline.framework import FrameworkError, load_framework
from pipeline.settings import (
    SETTINGS_FILE,
    LimitSettings,
    ReportSettings,
    Stage1Settings,
    load_settings,
)
from pipeline.xlsx.write import Style

_COUNTER = itertools.count()

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=12), inner, max_size=4),
    ),
    max_leaves=12,
)


def _fresh(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / f"case{next(_COUNTER)}"
    folder.mkdir()
    return folder / name


def _one_line(e: Exception, name: str) -> None:
    message = str(e)
    assert "\n" not in message and "Traceback" not in message, message
    assert name in message, message


# ---- framework.yaml -------------------------------------------------------------------------

OVERRIDE_KEYS = st.sampled_from(
    ["ir_items", "quality_statements", "respondent_groups", "sign_off_roles", "themes", "x"]
)
ITEM = st.dictionaries(
    st.sampled_from(["code", "text", "name", "quality_statements", "document_types", "detail"]),
    st.one_of(VALUES, st.sampled_from(["IR31", "IR1", "QS1", "QS9", "IRx", "QS99", "ALL"])),
    max_size=5,
)
OVERRIDES = st.one_of(
    VALUES,
    st.dictionaries(
        OVERRIDE_KEYS,
        st.one_of(VALUES, st.lists(ITEM, max_size=3), st.lists(st.text())),
        max_size=4,
    ),
)


@pytest.mark.slow  # a long property test: make test-all and CI
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=OVERRIDES)
def test_any_framework_override_loads_or_says_what_is_wrong(tmp_path: Path, data: Any) -> None:
    path = _fresh(tmp_path, "framework.yaml")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    try:
        load_framework(path)
    except FrameworkError as e:
        _one_line(e, "framework")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200))
def test_any_bytes_in_framework_yaml(tmp_path: Path, raw: bytes) -> None:
    path = _fresh(tmp_path, "framework.yaml")
    path.write_bytes(raw)
    try:
        load_framework(path)
    except FrameworkError as e:
        _one_line(e, "framework")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "must be a mapping"),
        ("quality_statements:\n  - name: x\n", "quality_statements.0.code: missing"),
        ("ir_items: 5\n", "ir_items: input should be a valid list (it is 5)"),
        ("quality_statements:\n  - code: QS99\n", "does not have: QS99"),
        ("themes: {}\n", "themes: not a key this file may have"),
    ],
)
def test_framework_messages_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = _fresh(tmp_path, "framework.yaml")
    path.write_text(text, "utf-8")
    with pytest.raises(FrameworkError, match=r"framework\.yaml") as caught:
        load_framework(path)
    assert expected in str(caught.value)


def test_framework_yaml_not_utf8(tmp_path: Path) -> None:
    path = _fresh(tmp_path, "framework.yaml")
    path.write_bytes(b"ir_items:\n  - code: IR31\n    text: caf\xe9\n")
    with pytest.raises(FrameworkError, match=r"framework\.yaml is not UTF-8 text"):
        load_framework(path)


# ---- selfassess.toml ------------------------------------------------------------------------


def _toml_value(value: Any) -> str | None:
    """A TOML value for a JSON-like one, or None when TOML cannot hold it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 2**63 else None
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        parts = [_toml_value(v) for v in value if not isinstance(v, dict | list)]
        if any(p is None for p in parts):
            return None
        return "[" + ", ".join(p for p in parts if p is not None) + "]"
    return None


SECTIONS = {
    "stage1": [f.name for f in fields(Stage1Settings)],
    "report": [f.name for f in fields(ReportSettings)],
    "limits": [f.name for f in fields(LimitSettings)],
    "other": ["x"],
}


@st.composite
def settings_files(draw: st.DrawFn) -> str:
    lines = []
    if draw(st.booleans()):
        council = _toml_value(draw(SCALARS))
        if council is not None:
            lines.append(f"council = {council}")
    for section in draw(st.lists(st.sampled_from(sorted(SECTIONS)), unique=True, max_size=4)):
        lines.append(f"[{section}]")
        keys = draw(st.lists(st.sampled_from([*SECTIONS[section], "unknown"]), unique=True))
        for key in keys:
            value = _toml_value(draw(VALUES))
            if value is not None:
                lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=settings_files())
def test_any_settings_file_loads_or_says_what_is_wrong(tmp_path: Path, text: str) -> None:
    path = _fresh(tmp_path, SETTINGS_FILE)
    path.write_text(text, "utf-8")
    try:
        load_settings(path.parent)
    except SelfAssessError as e:
        _one_line(e, SETTINGS_FILE)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200))
def test_any_bytes_in_the_settings_file(tmp_path: Path, raw: bytes) -> None:
    path = _fresh(tmp_path, SETTINGS_FILE)
    path.write_bytes(raw)
    try:
        load_settings(path.parent)
    except SelfAssessError as e:
        _one_line(e, SETTINGS_FILE)


# ---- style.toml -----------------------------------------------------------------------------

STYLE_KEYS = ["font", "font_size", "title_size", "heading_size", "header_fill", "note_colour"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.dictionaries(st.sampled_from([*STYLE_KEYS, "unknown"]), VALUES, max_size=4))
def test_any_style_file_loads_or_says_what_is_wrong(tmp_path: Path, values: dict[str, Any]) -> None:
    path = _fresh(tmp_path, "style.toml")
    lines = [f"{k} = {v}" for k, v in ((k, _toml_value(v)) for k, v in values.items()) if v]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    try:
        Style.load(path)
    except SelfAssessError as e:
        _one_line(e, "style")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            'header_fill = "zz"',
            'header_fill must be a colour as 6 hex digits in quotes, like "1F3864"',
        ),
        ('font_size = "big"', "font_size must be a number of points from 4 to 72"),
        ("font = 3", "font must be a font name in quotes"),
    ],
)
def test_style_messages_name_the_setting(tmp_path: Path, line: str, expected: str) -> None:
    path = _fresh(tmp_path, "style.toml")
    path.write_text(line + "\n", "utf-8")
    with pytest.raises(SelfAssessError) as caught:
        Style.load(path)
    assert expected in str(caught.value)


# ---- file names and exit codes ----------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_printed_safely(tmp_path: Path) -> None:
    """A return saved on another system: every command names it, with \ufffd for the bad byte."""
    from tests.factories import make_workspace

    ws = make_workspace(tmp_path / "ws")
    bad = os.fsencode(ws.stage1_inputs) + b"/caf\xe9 return.xlsx"
    with open(bad, "wb") as fh:
        fh.write(b"not a workbook")
    for command in (["collect"], ["validate"], ["build", "--draft"], ["status"]):
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "--workspace", str(ws.root), *command],
            capture_output=True,
        )
        out = (done.stdout + done.stderr).decode("utf-8")
        assert "Traceback" not in out, (command, out)
        if command[0] in ("collect", "validate"):
            assert "caf\ufffd return.xlsx" in out, (command, out)


def test_ctrl_c_exits_130_with_one_line(tmp_path: Path) -> None:
    """An interrupt arriving while a command runs: the documented exit code, no traceback."""
    from tests.factories import make_workspace

    ws = make_workspace(tmp_path / "ws")
    code = (
        "import signal, sys\n"
        "from pipeline.cli import run\n"
        "def interrupt(*_):\n"
        "    raise KeyboardInterrupt\n"
        "signal.signal(signal.SIGALRM, interrupt)\n"
        "signal.setitimer(signal.ITIMER_REAL, 0.02)\n"
        f"sys.argv = ['selfassess', '--workspace', {str(ws.root)!r}, 'validate']\n"
        "run()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 130, done.stderr
    assert "Interrupted" in done.stderr and "Traceback" not in done.stderr


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A 6 MB file system of its own (a tmpfs), or a skip where this process may not mount one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small file system here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_ends_in_one_message_and_keeps_the_previous_outputs(small_disk: Path) -> None:
    from tests.factories import new_workspace

    ws = new_workspace(small_disk / "ws")
    command = [sys.executable, "-m", "pipeline", "--workspace", str(ws.root), "build", "--draft"]
    subprocess.run(command, check=True, capture_output=True)
    before = {p: p.read_bytes() for p in ws.outputs.glob("*.*") if p.is_file()}
    assert ws.report_docx in before
    with open(small_disk / "filler", "wb") as fh:  # fill the disk to the last block
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 1
    assert "The disk is full" in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert {p: p.read_bytes() for p in ws.outputs.glob("*.*") if p.is_file()} == before
