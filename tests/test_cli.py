"""The command line: help with examples, plain-English errors, exit codes, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

COMMANDS = [
    ["init"],
    ["generate", "checklists"],
    ["generate", "summaries"],
    ["collect"],
    ["validate"],
    ["build"],
    ["status"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert "selfassess" in result.output


def test_help_does_not_import_the_heavy_libraries() -> None:
    """``--help`` must answer at once: openpyxl, lxml, docx and pydantic load only when used."""
    code = (
        "import sys; from pipeline.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('openpyxl', 'lxml', 'docx', 'docxtpl', 'pydantic', 'yaml') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def test_init_then_generate_checklists(tmp_path: Path) -> None:
    runner = CliRunner()
    ws = tmp_path / "anytown"
    result = runner.invoke(main, ["init", str(ws), "--council", "Anytown & District Council"])
    assert result.exit_code == 0, result.output
    assert (ws / "inputs" / "stage1").is_dir()
    assert (ws / "inputs" / "stage2").is_dir()
    assert 'council = "Anytown & District Council"' in (ws / "selfassess.toml").read_text()

    result = runner.invoke(main, ["--workspace", str(ws), "generate", "checklists"])
    assert result.exit_code == 0, result.output
    assert "9 checklists written, 0 kept." in result.output
    assert len(list((ws / "outputs" / "stage1" / "checklists").glob("*.xlsx"))) == 9


def test_init_refuses_an_existing_workspace(tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["init", str(tmp_path / "w"), "--council", "A"])
    result = runner.invoke(main, ["init", str(tmp_path / "w"), "--council", "B"])
    assert result.exit_code == 1
    assert "already a workspace" in result.output
    assert "Traceback" not in result.output


def test_wrong_usage_exits_2(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path / "w")]).exit_code == 2  # no --council
    assert runner.invoke(main, ["frobnicate"]).exit_code == 2


def test_a_folder_that_is_not_a_workspace_gets_a_plain_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--workspace", str(tmp_path), "generate", "checklists"])
    assert result.exit_code == 1
    assert "is not a selfassess workspace" in result.output
    assert "selfassess init" in result.output


def test_a_broken_settings_file_gets_a_plain_message(tmp_path: Path) -> None:
    runner = CliRunner()
    ws = tmp_path / "w"
    runner.invoke(main, ["init", str(ws), "--council", "A"])
    (ws / "selfassess.toml").write_text("[stage1]\ndivergence_share = 7\n")
    result = runner.invoke(main, ["--workspace", str(ws), "generate", "checklists"])
    assert result.exit_code == 1, result.output
    assert "selfassess.toml has settings that are not valid" in result.output
    assert "Traceback" not in result.output


def test_python_dash_m_pipeline_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, check=True
    )
    assert "Usage:" in out.stdout


def test_validate_lists_files_with_errors_before_files_with_only_warnings(
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    ws = tmp_path / "w"
    runner.invoke(main, ["init", str(ws), "--council", "A"])
    (ws / "inputs" / "stage1" / "notes.xlsx").write_bytes(b"not a workbook")
    result = runner.invoke(main, ["--workspace", str(ws), "validate"])
    assert result.exit_code == 1
    out = result.output
    # The blank register's warnings sort first by name, but the error comes first.
    assert out.index("inputs/stage1/notes.xlsx") < out.index("inputs/evidence-library.xlsx")
    assert "This file is a text file (perhaps CSV), not an Excel workbook" in out
    assert "Traceback" not in out


def test_output_piped_into_a_reader_that_stops_ends_quietly(tmp_path: Path) -> None:
    """`selfassess status | head -1`: no "Broken pipe" error once head has what it wants."""
    CliRunner().invoke(main, ["init", str(tmp_path / "w"), "--council", "A"])
    command = [sys.executable, "-m", "pipeline", "--workspace", str(tmp_path / "w"), "status"]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert run.stdout is not None and run.stderr is not None
    run.stdout.close()  # the reader goes away before anything is written
    err = run.stderr.read().decode()
    run.wait(timeout=60)
    assert "Broken pipe" not in err and "Traceback" not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_to_a_full_disk_is_one_line_even_outside_a_command() -> None:
    """``--version`` writes before any command runs: a full disk is still one line, exit 1."""
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "--version"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 1
    assert done.stderr == "Error: No space left on device.\n"
