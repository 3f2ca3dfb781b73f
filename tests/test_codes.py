"""The registry of finding codes: complete, documented, enforced, and the README's table."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.model import codes
from pipeline.model.findings import Finding, Findings, Severity, error, warning
from tests.test_summaries import VALID, copy_workspace, filled, prepare_workspace

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_every_registered_code_has_a_title_and_what_to_do() -> None:
    assert codes.CODES
    for c in codes.CODES:
        assert c.code == c.code.strip().lower() and " " not in c.code
        assert c.title.strip(), c.code
        assert c.fix.strip(), c.code
        assert c.allows(c.severity), c.code


def test_codes_at_either_severity_say_when() -> None:
    either = {c.code: c for c in codes.CODES if c.severities is not None}
    assert set(either) == {"missing-field", "not-redacted"}
    assert either["not-redacted"].level == "error (No) / warning (blank)"
    assert either["not-redacted"].severity == "error"
    for c in either.values():
        assert c.allows("error") and c.allows("warning")


def test_an_unknown_code_raises() -> None:
    with pytest.raises(codes.UnknownCodeError, match="'no-such-code' is not registered"):
        error("no-such-code", "inputs/x.xlsx", "message")
    with pytest.raises(codes.UnknownCodeError):
        Finding(severity=Severity.WARNING, code="no-such-code", file="f", message="m")


def test_a_severity_the_code_does_not_allow_raises() -> None:
    with pytest.raises(codes.UnknownCodeError, match="'word-limit' is not reported as warning"):
        warning("word-limit", "inputs/x.xlsx", "message")
    with pytest.raises(codes.UnknownCodeError):
        error("stale-evidence", "inputs/x.xlsx", "message")
    # The documented alternatives are fine.
    assert warning("not-redacted", "f", "m").severity is Severity.WARNING
    assert error("missing-field", "f", "m").severity is Severity.ERROR


def _pipeline_trees() -> list[tuple[Path, ast.AST]]:
    return [
        (path, ast.parse(path.read_text("utf-8")))
        for path in sorted((ROOT / "pipeline").rglob("*.py"))
        if path.name != "codes.py"
    ]


def test_every_code_used_in_pipeline_is_registered() -> None:
    """The literal codes given to error(), warning() and WorkbookRejected, the codes that
    rules pass on in variables, and readback's constants."""
    from pipeline.rules import evidence
    from pipeline.xlsx import cells as readback

    used = {readback.UNREADABLE, readback.MISMATCH}
    for _path, tree in _pipeline_trees():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name in {"error", "warning", "WorkbookRejected"} and isinstance(first, ast.Constant):
                used.add(first.value)
    for link in ("file:///x", "https://intranet/x", "https:///"):
        problem = evidence.link_problem(link)
        assert problem is not None
        used.add(problem[0])
    assert {"word-limit", "invalid-link", "link-not-shareable"} <= used  # the scan works
    assert used - set(codes.REGISTRY) == set()


def test_every_registered_code_is_used_somewhere() -> None:
    literals = {
        node.value
        for _path, tree in _pipeline_trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert set(codes.REGISTRY) - literals == set()


def _readme_codes() -> list[tuple[str, bool]]:
    text = README.read_text("utf-8")
    table = text.split(codes.START, 1)[1].split(codes.END, 1)[0]
    rows = [line.split("|")[1].strip() for line in table.strip().splitlines()[2:]]
    return [(row.split("`")[1], row.endswith("+")) for row in rows]


def test_readme_table_is_generated_from_the_registry() -> None:
    text = README.read_text("utf-8")
    assert text == codes.readme_with_table(text), (
        f"README.md's table of codes differs from pipeline/model/codes.py: run `{codes.REGENERATE}`"
    )
    # Every code in the README is registered and vice versa, with SPEC §8's marks.
    assert _readme_codes() == [(c.code, not c.in_spec) for c in codes.CODES]


def test_readme_marks_the_codes_not_in_the_spec() -> None:
    spec = Path("/work/shared/SPEC.md")
    if not spec.is_file():
        pytest.skip("SPEC.md is not available here")
    section = spec.read_text("utf-8").split("## 8.", 1)[1].split("## 9.", 1)[0]
    for c in codes.CODES:
        assert (f"`{c.code}`" in section) == c.in_spec, c.code


def test_the_markdown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert codes.main(["--markdown"]) == 0
    assert capsys.readouterr().out == codes.markdown_table()
    assert codes.main(["--nonsense"]) == 2


def test_write_readme_rewrites_only_between_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n\n{codes.START}\nold table\n{codes.END}\n\nafter\n", "utf-8")
    assert codes.main(["--write-readme", str(readme)]) == 0
    text = readme.read_text("utf-8")
    assert text.startswith("intro\n\n") and text.endswith("\n\nafter\n")
    assert "old table" not in text and "`word-limit`" in text
    (tmp_path / "plain.md").write_text("no markers\n", "utf-8")
    with pytest.raises(ValueError, match="markers"):
        codes.main(["--write-readme", str(tmp_path / "plain.md")])


# ---- Figures on findings ----------------------------------------------------------------------


def test_findings_without_figures_have_no_data_key_in_json() -> None:
    plain = warning("missing-field", "f", "m", sheet="S", cell="B2")
    with_data = error("word-limit", "f", "m").with_data(words=812, limit=750)
    found = Findings([plain, with_data]).as_json()["findings"]
    assert isinstance(found, list)
    assert "data" not in found[1] and found[0]["data"] == {"words": 812, "limit": 750}
    assert with_data.data == {"words": 812, "limit": 750}
    same = Finding(
        severity="error",
        code="word-limit",
        file="f",
        message="m",
        data={"limit": 750, "words": 812},
    )
    assert hash(with_data) == hash(same) and with_data == same


def test_a_word_limit_finding_carries_words_and_limit_into_validate_json(
    tmp_path: Path,
) -> None:
    ws = copy_workspace(prepare_workspace(tmp_path / "prepared"), tmp_path)
    long = " ".join(f"word{i}" for i in range(800))
    filled(ws, values={**VALID, "What is our ambition?": (long, "")})
    result = CliRunner().invoke(main, ["--workspace", str(ws.root), "validate", "--json"])
    assert result.exit_code == 1, result.output
    found = json.loads(result.output)["findings"]
    (limit,) = [f for f in found if f["code"] == "word-limit"]
    words = int(limit["message"].split()[3])  # "Section B prints 8xx words, …"
    assert limit["data"] == {"words": words, "limit": 750, "typed": limit["data"]["typed"]}
    assert limit["data"]["typed"] < words
    assert words > 800
