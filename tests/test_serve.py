"""``selfassess serve`` through Flask's test client: the token, CSRF, the host check, uploads
filed by identity (and refused with the reader's reason), the limits, one action at a time,
downloads only from inputs/ and outputs/. Nothing is written outside inputs/ by an upload."""

from __future__ import annotations

import io
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from pipeline.app import generate_checklists
from pipeline.web.server import COOKIE, ServeConfig, create_app
from pipeline.workspace import Workspace
from tests import hostile
from tests.factories import fill_checklist, new_workspace

CARER = "Unpaid carer"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new workspace with its checklists generated, and a 'mailbox' of returned workbooks
    (filled as people fill them) outside it."""
    base = tmp_path_factory.mktemp("serve")
    ws = new_workspace(base / "ws")
    generate_checklists(ws)
    mailbox = base / "mailbox"
    mailbox.mkdir()
    for name, code, group, ratings in (
        ("carer.xlsx", "QS3", CARER, {1: 4, 2: 3, 3: 0}),
        ("staff.xlsx", "QS1", "Adult social care staff", {1: 2, 2: 2}),
        ("other-carer.xlsx", "QS3", CARER, {1: 1}),
        ("bad-rating.xlsx", "QS2", "Health partner", {1: 7, 2: 4}),
    ):
        path = fill_checklist(ws, code, name, group, ratings)
        shutil.move(path, mailbox / name)
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Budget 2026"
    wb.save(mailbox / "budget.xlsx")
    hostile.zip_bomb(mailbox / "bomb.xlsx")
    return base


@pytest.fixture
def served(prepared: Path, tmp_path: Path) -> Iterator[tuple[Flask, ServeConfig, Workspace, Path]]:
    shutil.copytree(prepared, tmp_path, dirs_exist_ok=True)
    ws = Workspace(tmp_path / "ws")
    config = ServeConfig(ws.root)
    app = create_app(config)
    app.config["TESTING"] = True
    app.config["SNAPSHOT_WAIT"] = None  # each page waits for the inputs to be read
    yield app, config, ws, tmp_path / "mailbox"


def signed_in(app: Flask, config: ServeConfig) -> FlaskClient:
    client = app.test_client()
    response = client.get(f"/?token={config.token}")
    assert response.status_code == 303
    return client


def everything_outside_inputs(root: Path, ws: Workspace) -> dict[str, bytes]:
    """Every file under ``root`` but inputs/ and the readers' own cache (outputs/.cache/, the
    blank checklists as read-back sees them, which collect writes too)."""
    cache = ws.outputs / ".cache"
    return {
        str(p): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.is_relative_to(ws.inputs) and not p.is_relative_to(cache)
    }


def upload(client: FlaskClient, config: ServeConfig, *files: tuple[str, bytes]) -> Any:
    data = {"csrf": config.csrf, "files": [(io.BytesIO(b), name) for name, b in files]}
    return client.post(
        "/upload",
        data=data,
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )


# ---- the token, the host, CSRF --------------------------------------------------------------


def test_a_request_without_the_token_is_refused(served: Any) -> None:
    app, _config, _ws, _ = served
    client = app.test_client()
    assert client.get("/").status_code == 403
    assert client.get("/?token=guess").status_code == 403
    assert client.get("/download/inputs/overview.xlsx").status_code == 403
    client.set_cookie(COOKIE, "guess")
    assert client.get("/findings").status_code == 403
    client.set_cookie(_config.cookie, "é")  # any text: refused, not an error
    assert client.get("/findings").status_code == 403
    assert client.get("/?token=%C3%A9").status_code == 403


def test_the_token_in_the_address_becomes_a_strict_http_only_cookie(served: Any) -> None:
    app, config, _ws, _ = served
    client = app.test_client()
    first = client.get(f"/findings?severity=error&token={config.token}")
    assert first.status_code == 303
    assert first.headers["Location"] == "/findings?severity=error"  # the token leaves the URL
    cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/")
    assert page.status_code == 200
    assert "QS1 Assessing needs" in page.text
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_another_host_name_is_refused_even_with_the_token(served: Any) -> None:
    """A web page on a name that resolves to 127.0.0.1 (DNS rebinding) is not answered."""
    app, config, _ws, _ = served
    client = signed_in(app, config)
    assert client.get("/", headers={"Host": "evil.example:8765"}).status_code == 403
    assert client.get("/", headers={"Host": "localhost:8765"}).status_code == 200


def test_a_post_without_the_csrf_token_or_from_another_site_is_refused(served: Any) -> None:
    app, config, ws, mailbox = served
    client = signed_in(app, config)
    before = everything_outside_inputs(ws.root.parent, ws)
    inputs_before = sorted(p for p in ws.inputs.rglob("*"))
    body = (mailbox / "carer.xlsx").read_bytes()
    no_csrf = client.post(
        "/upload",
        data={"files": [(io.BytesIO(body), "carer.xlsx")]},
        content_type="multipart/form-data",
    )
    assert no_csrf.status_code == 403
    cross_site = client.post(
        "/upload",
        data={"csrf": config.csrf, "files": [(io.BytesIO(body), "carer.xlsx")]},
        content_type="multipart/form-data",
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    same_site = client.post(
        "/run/nonsense", data={"csrf": config.csrf}, headers={"Origin": "http://localhost"}
    )
    assert same_site.status_code == 404  # past the checks: there is no such action
    assert client.post("/run/validate", data={}).status_code == 403
    assert client.post("/run/validate", data={"csrf": "guess"}).status_code == 403
    assert everything_outside_inputs(ws.root.parent, ws) == before
    assert sorted(p for p in ws.inputs.rglob("*")) == inputs_before
    assert not ws.validation_report.exists()


# ---- uploads -------------------------------------------------------------------------------


def test_returns_are_filed_by_identity_and_answered_at_once(served: Any) -> None:
    app, config, ws, mailbox = served
    client = signed_in(app, config)
    before = everything_outside_inputs(ws.root.parent, ws)
    response = upload(
        client,
        config,
        ("carer.xlsx", (mailbox / "carer.xlsx").read_bytes()),
        ("Staff return (final).xlsx", (mailbox / "staff.xlsx").read_bytes()),
        ("budget.xlsx", (mailbox / "budget.xlsx").read_bytes()),
    )
    results = response.get_json()["results"]
    assert [r["accepted"] for r in results] == [True, True, False]
    assert results[0]["message"] == (
        "QS3 checklist from an unpaid carer, 3 ratings; filed as inputs/stage1/carer.xlsx"
    )
    assert results[1]["message"].startswith(
        "QS1 checklist from adult social care staff, 2 ratings; filed as "
    )
    assert results[1]["path"] == "inputs/stage1/Staff return (final).xlsx"
    assert "is not a workbook made by selfassess" in results[2]["message"]
    assert (ws.stage1_inputs / "carer.xlsx").read_bytes() == (mailbox / "carer.xlsx").read_bytes()
    assert sorted(p.name for p in ws.stage1_inputs.iterdir()) == [
        "Staff return (final).xlsx",
        "carer.xlsx",
    ]
    assert everything_outside_inputs(ws.root.parent, ws) == before
    # The dashboard counts them (it reads the inputs again when they change).
    page = client.get("/returns?qs=QS3")
    assert "inputs/stage1/carer.xlsx" in page.text and CARER in page.text


def test_the_same_file_again_is_already_there_and_a_different_one_never_overwrites(
    served: Any,
) -> None:
    app, config, ws, mailbox = served
    client = signed_in(app, config)
    carer = (mailbox / "carer.xlsx").read_bytes()
    other = (mailbox / "other-carer.xlsx").read_bytes()
    upload(client, config, ("carer.xlsx", carer))
    again = upload(client, config, ("copy of carer.xlsx", carer)).get_json()["results"][0]
    assert again["accepted"] and again["already"]
    assert "already have it (inputs/stage1/carer.xlsx)" in again["message"]
    clash = upload(client, config, ("carer.xlsx", other)).get_json()["results"][0]
    assert clash["path"] == "inputs/stage1/carer-2.xlsx"
    assert (ws.stage1_inputs / "carer.xlsx").read_bytes() == carer
    assert (ws.stage1_inputs / "carer-2.xlsx").read_bytes() == other


@pytest.mark.parametrize(
    "name", ["../../x.xlsx", "..\\..\\x.xlsx", "/etc/x.xlsx", "C:\\Windows\\x.xlsx", "./../x.xlsx"]
)
def test_a_name_with_folders_is_never_used_as_a_path(served: Any, name: str) -> None:
    app, config, ws, mailbox = served
    client = signed_in(app, config)
    before = everything_outside_inputs(ws.root.parent, ws)
    result = upload(client, config, (name, (mailbox / "carer.xlsx").read_bytes()))
    filed = result.get_json()["results"][0]
    # (The test client sends a backslash as an escape in the header, as a browser would not:
    # "C:\\Windows\\x.xlsx" arrives as "C:Windowsx.xlsx", kept as "C_Windowsx.xlsx".)
    assert filed["accepted"] and filed["path"].endswith("x.xlsx")
    assert (ws.root / filed["path"]).parent == ws.stage1_inputs
    assert [p.name for p in ws.stage1_inputs.iterdir()] == [filed["path"].split("/")[-1]]
    assert everything_outside_inputs(ws.root.parent, ws) == before
    assert not (ws.root.parent / "x.xlsx").exists() and not Path("/etc/x.xlsx").exists()


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("Return (final).xlsx", "Return (final).xlsx"),
        ("Adroddiad ŵyr.XLSX", "Adroddiad ŵyr.xlsx"),
        ("a<b>:c|d?.xlsx", "a_b__c_d_.xlsx"),
        ("line\nbreak.xlsx", "line_break.xlsx"),
        ("~$locked.xlsx", "upload.xlsx"),
        ("..xlsx", None),
        ("x.xlsx.", None),
        ("report.docx", None),
    ],
)
def test_clean_names(sent: str, kept: str | None) -> None:
    from pipeline.web.inbox import clean_name

    assert clean_name(sent) == kept


def test_names_that_are_not_xlsx_are_refused(served: Any) -> None:
    app, config, ws, mailbox = served
    client = signed_in(app, config)
    body = (mailbox / "carer.xlsx").read_bytes()
    for name in ("carer.xls", "carer.xlsx.exe", "carer", "../inputs"):
        filed = upload(client, config, (name, body)).get_json()["results"][0]
        assert not filed["accepted"]
        assert "only .xlsx files are taken" in filed["message"]
    assert list(ws.stage1_inputs.iterdir()) == []


def test_an_oversized_upload_is_refused_and_nothing_is_kept(served: Any) -> None:
    app, config, ws, mailbox = served
    (ws.root / "selfassess.toml").write_text(
        'council = "Testshire Council"\n[serve]\nmax_upload_bytes = 2000\nmax_upload_files = 2\n',
        "utf-8",
    )
    app = create_app(config)  # the limits are read when the server starts
    app.config["SNAPSHOT_WAIT"] = None
    client = signed_in(app, config)
    body = (mailbox / "carer.xlsx").read_bytes()
    assert len(body) > 2000
    filed = upload(client, config, ("carer.xlsx", body)).get_json()["results"][0]
    assert not filed["accepted"]
    assert "max_upload_bytes" in filed["message"]
    # More than one upload may carry, and a body over the whole limit: refused before reading.
    many = upload(client, config, *[(f"{i}.xlsx", b"x") for i in range(3)])
    assert many.status_code == 413 and "max_upload_files" in many.get_json()["error"]
    huge = upload(client, config, ("big.xlsx", b"\0" * (3 * 2000 + 1024 * 1024)))
    assert huge.status_code == 413
    assert list(ws.stage1_inputs.iterdir()) == []
    # No temporary file is left behind either.
    assert sorted(p.name for p in ws.inputs.iterdir() if p.is_file()) == [
        "evidence-library.xlsx",
        "overview.xlsx",
    ]


def test_a_zip_bomb_is_refused_by_the_safe_reader(served: Any) -> None:
    app, config, ws, mailbox = served
    client = signed_in(app, config)
    before = everything_outside_inputs(ws.root.parent, ws)
    inputs_before = {p: p.read_bytes() for p in ws.inputs.rglob("*") if p.is_file()}
    filed = upload(client, config, ("bomb.xlsx", (mailbox / "bomb.xlsx").read_bytes()))
    result = filed.get_json()["results"][0]
    assert not result["accepted"]
    assert result["message"].startswith("It is suspicious") and "zip bomb" in result["message"]
    assert {p: p.read_bytes() for p in ws.inputs.rglob("*") if p.is_file()} == inputs_before
    assert everything_outside_inputs(ws.root.parent, ws) == before


def test_a_new_register_replaces_the_old_one_which_is_kept(served: Any) -> None:
    app, config, ws, _ = served
    client = signed_in(app, config)
    old = ws.evidence_library.read_bytes()
    wb = openpyxl.load_workbook(ws.evidence_library)
    wb.active["B4"] = "Carers strategy"
    buffer = io.BytesIO()
    wb.save(buffer)
    filed = upload(client, config, ("register from IR team.xlsx", buffer.getvalue()))
    result = filed.get_json()["results"][0]
    assert result["accepted"] and result["path"] == "inputs/evidence-library.xlsx"
    assert "inputs/replaced/evidence-library.xlsx" in result["message"]
    assert ws.evidence_library.read_bytes() == buffer.getvalue()
    assert (ws.inputs / "replaced" / "evidence-library.xlsx").read_bytes() == old


def test_an_improvement_plan_is_filed_as_the_plan(served: Any, complete: Workspace) -> None:
    from pipeline.app import generate_plan

    app, config, ws, _ = served
    client = signed_in(app, config)
    generate_plan(complete)
    body = complete.improvement_plan.read_bytes()
    result = upload(client, config, ("plan (Jo's copy).xlsx", body)).get_json()["results"][0]
    assert result["accepted"], result["message"]
    assert result["path"] == "inputs/improvement-plan.xlsx"
    assert result["message"].startswith("The improvement plan")
    assert ws.improvement_plan.read_bytes() == body


def test_a_case_file_audit_goes_to_inputs_audits(served: Any) -> None:
    from pipeline.app import generate_audits

    app, config, ws, _ = served
    client = signed_in(app, config)
    generate_audits(ws)
    blank = next(ws.audit_templates_dir.glob("*.xlsx"))
    result = upload(client, config, (blank.name, blank.read_bytes())).get_json()["results"][0]
    assert result["accepted"], result["message"]
    assert result["path"] == f"inputs/audits/{blank.name}"
    assert (ws.audits_inputs / blank.name).read_bytes() == blank.read_bytes()


def test_a_completed_summary_goes_to_stage2(served: Any, complete: Workspace) -> None:
    app, config, _ws, _ = served
    client = signed_in(app, config)
    summary = sorted(complete.stage2_inputs.glob("*.xlsx"))[0]
    result = upload(client, config, (summary.name, summary.read_bytes())).get_json()["results"][0]
    assert result["accepted"], result["message"]
    assert result["path"] == f"inputs/stage2/{summary.name}"
    assert "Stage 2 summary" in result["message"]


def test_the_form_without_javascript_answers_on_the_page(served: Any) -> None:
    app, config, _ws, mailbox = served
    client = signed_in(app, config)
    data = {
        "csrf": config.csrf,
        "files": [
            (io.BytesIO((mailbox / "carer.xlsx").read_bytes()), "carer.xlsx"),
            (io.BytesIO(b"not a workbook"), "notes <b>.xlsx"),
        ],
    }
    page = client.post("/upload", data=data, content_type="multipart/form-data")
    assert page.status_code == 200
    assert "QS3 checklist from an unpaid carer, 3 ratings" in page.text
    assert "notes &lt;b&gt;.xlsx" in page.text and "Refused" in page.text


# ---- stages, one at a time -------------------------------------------------------------------


def wait_for(client: FlaskClient, job_id: int) -> dict[str, Any]:
    for _ in range(600):
        state = client.get(f"/jobs/{job_id}.json").get_json()
        if not state["running"]:
            return dict(state)
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_validate_runs_in_the_background_and_a_second_action_is_told_busy(served: Any) -> None:
    app, config, ws, _ = served
    client = signed_in(app, config)
    state = app.extensions["selfassess"]
    state.jobs.lock.acquire()  # as while another action runs
    try:
        busy = client.post("/run/validate", data={"csrf": config.csrf})
        assert busy.status_code == 409 and "Busy" in busy.text
        refused = upload(client, config, ("x.xlsx", b"x"))
        assert refused.status_code == 409
    finally:
        state.jobs.lock.release()
    started = client.post(
        "/run/validate", data={"csrf": config.csrf}, headers={"Accept": "application/json"}
    )
    done = wait_for(client, started.get_json()["id"])
    assert done["files"] == ["outputs/validation-report.xlsx", "outputs/ir-coverage.xlsx"]
    assert ws.validation_report.is_file()
    assert "error" in done["lines"][0]
    page = client.get(f"/jobs/{done['id']}")
    assert "outputs/validation-report.xlsx" in page.text
    assert client.post("/run/nonsense", data={"csrf": config.csrf}).status_code == 404


def test_downloads_come_from_inputs_and_outputs_only(served: Any) -> None:
    app, config, ws, _ = served
    client = signed_in(app, config)
    ok = client.get("/download/inputs/overview.xlsx")
    assert ok.status_code == 200 and ok.data == ws.overview.read_bytes()
    assert "attachment" in ok.headers["Content-Disposition"]
    for bad in (
        "selfassess.toml",
        "inputs/../selfassess.toml",
        "inputs/%2e%2e/selfassess.toml",
        "outputs/../../mailbox/carer.xlsx",
        "/etc/passwd",
        "inputs",
        "outputs/.cache/x",
        "outputs/" + "x" * 5000,
    ):
        assert client.get(f"/download/{bad}", follow_redirects=True).status_code == 404, bad
    # A link inside outputs/ to a file elsewhere is neither listed nor served.
    outside = ws.root.parent / "secret.txt"
    outside.write_text("not the council's to share", "utf-8")
    (ws.outputs / "leak.txt").symlink_to(outside)
    assert client.get("/download/outputs/leak.txt").status_code == 404
    assert "leak.txt" not in client.get("/files").text
    # A name with "#" and "%" is linked quoted, and the link works.
    (ws.outputs / "Q3 #2 100%.xlsx").write_bytes(b"PK")
    assert 'href="/download/outputs/Q3%20%232%20100%25.xlsx"' in client.get("/files").text
    assert client.get("/download/outputs/Q3%20%232%20100%25.xlsx").data == b"PK"


def test_two_servers_on_this_computer_keep_their_own_cookies(prepared: Path) -> None:
    """Cookies ignore ports: each run's cookie has a name of its own."""
    first, second = ServeConfig(prepared), ServeConfig(prepared)
    assert first.cookie != second.cookie and first.cookie.startswith(COOKIE)


def test_names_the_disk_or_windows_would_refuse_are_made_safe() -> None:
    from pipeline.web.inbox import clean_name

    long = clean_name("😀" * 120 + ".xlsx")
    assert long is not None and len(long.encode()) <= 130 and long.endswith(".xlsx")
    assert clean_name("CON.xlsx") == "CON_.xlsx"
    assert clean_name("nul .xlsx") == "nul_.xlsx"
    assert clean_name("report\u202excod.xlsx") == "report_xcod.xlsx"


def test_an_unreadable_pdf_shows_no_pages_rather_than_an_error(served: Any) -> None:
    app, config, ws, _ = served
    client = signed_in(app, config)
    ws.outputs.mkdir(exist_ok=True)
    ws.report_pdf.write_text("not a pdf", "utf-8")
    assert client.get("/report").status_code == 200
    assert client.get("/report/page-1.png").status_code == 404


def test_findings_filter_by_severity_and_code(served: Any) -> None:
    app, config, _ws, mailbox = served
    client = signed_in(app, config)
    filed = upload(client, config, ("bad.xlsx", (mailbox / "bad-rating.xlsx").read_bytes()))
    message = filed.get_json()["results"][0]["message"]
    assert message.startswith("QS2 checklist from a health partner, 1 rating; 1 problem to look at")
    page = client.get("/findings")
    assert page.status_code == 200
    assert "inputs/stage1/bad.xlsx" in page.text
    errors = client.get("/findings?severity=error").text
    warnings = client.get("/findings?severity=warning").text
    assert '<tr class="error">' in errors and '<tr class="warning">' not in errors
    assert '<tr class="error">' not in warnings
    assert "What to do" in errors
    assert "download this file to fix" in errors


# ---- the command ------------------------------------------------------------------------------


def test_serve_refuses_another_interface_without_allow_remote(served: Any) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    _app, _config, ws, _ = served
    result = CliRunner().invoke(
        main, ["--workspace", str(ws.root), "serve", "--host", "0.0.0.0", "--no-browser"]
    )
    assert result.exit_code == 2
    assert "--allow-remote" in result.output


def test_the_command_prints_an_address_with_its_token_and_answers_only_with_it(
    served: Any,
) -> None:
    import http.client
    from urllib.parse import urlsplit

    from tests.browser import serving

    _app, _config, ws, _ = served
    with serving(ws.root) as url:
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1" and parts.query.startswith("token=")

        def status(path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
            conn = http.client.HTTPConnection("127.0.0.1", parts.port or 80, timeout=60)
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            response.read()
            conn.close()
            return response.status, response.getheader("Set-Cookie") or ""

        assert status("/")[0] == 403
        assert status("/?token=wrong")[0] == 403
        code, cookie = status(f"/?{parts.query}")
        assert code == 303 and "HttpOnly" in cookie
        assert status("/upload", {"Cookie": cookie.split(";")[0]})[0] == 200
