"""``selfassess serve``: the pen holder's pages (Flask, server-side, every asset from the package).

Safe by construction: it answers only requests that carry this run's token (in the address the
command prints, then in an HttpOnly, SameSite=Strict cookie), only for a local host name unless
``--allow-remote``; every POST needs this run's CSRF token and a same-origin ``Origin``; names
of uploaded files are never used as paths; it reads and writes only inside the workspace; and
one action runs at a time (a second is told the page is busy).
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import secrets
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from flask import Flask, Request, abort, jsonify, redirect, render_template, request
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from pipeline.errors import SelfAssessError
from pipeline.web.inbox import Filed, file_upload
from pipeline.web.jobs import Busy, Job, Jobs, Result
from pipeline.web.snapshot import RATINGS, Snapshot, Snapshots

if TYPE_CHECKING:
    from pipeline.workspace import Workspace


COOKIE = "selfassess_token"


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


ACTIONS = {
    "generate-checklists": "Generate the Stage 1 checklists",
    "collect": "Collect the Stage 1 returns",
    "generate-summaries": "Generate the Stage 2 summaries",
    "validate": "Validate everything",
    "build-draft": "Build a draft report",
    "build-final": "Build the final report",
}


# Folders of outputs/ that hold the tool's caches, not files to download.
_HIDDEN = (".", "_")


@dataclass
class ServeConfig:
    """One run of the server: the workspace, its secrets and limits."""

    root: Path
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    allow_remote: bool = False

    @property
    def cookie(self) -> str:
        """The cookie that carries the token: named for this run, so that two servers on this
        computer (cookies ignore ports) do not overwrite each other's."""
        return f"{COOKIE}_{hashlib.sha256(self.token.encode()).hexdigest()[:12]}"


class _WorkspaceRequest(Request):
    """Uploaded files are buffered in memory up to 512 KB, then in an unnamed temporary file
    inside the workspace's inputs/ (never the system's temporary folder)."""

    upload_dir: Path | None = None

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return tempfile.SpooledTemporaryFile(  # werkzeug closes it
            max_size=512 * 1024, dir=str(self.upload_dir) if self.upload_dir else None
        )


def create_app(config: ServeConfig) -> Flask:
    """The Flask application for ``config.root`` (a workspace)."""
    from pipeline.workspace import Workspace

    here = Path(__file__).parent
    app = Flask(
        __name__,
        template_folder=str(here / "templates"),
        static_folder=str(here / "static"),
        static_url_path="/static",
    )
    Workspace(config.root).require()
    request_class: type[_WorkspaceRequest] = type(
        "WorkspaceRequest", (_WorkspaceRequest,), {"upload_dir": config.root / "inputs"}
    )
    app.request_class = request_class
    serve_settings = Workspace(config.root).settings.serve
    # The whole body of one upload: every file at its largest, and the form around them.
    app.config["MAX_CONTENT_LENGTH"] = (
        serve_settings.max_upload_bytes * serve_settings.max_upload_files + 1024 * 1024
    )
    app.config["MAX_FORM_PARTS"] = serve_settings.max_upload_files + 50
    jobs = Jobs()
    snapshots = Snapshots(config.root)
    jobs.changed = snapshots.refresh
    state = _State(config, jobs, snapshots)
    app.extensions["selfassess"] = state

    app.before_request(state.guard)
    app.after_request(_secure_headers)
    app.context_processor(state.context)
    app.add_url_rule("/", "dashboard", state.dashboard)
    app.add_url_rule("/upload", "upload", state.upload_page)
    app.add_url_rule("/upload", "upload_post", state.upload, methods=["POST"])
    app.add_url_rule("/findings", "findings", state.findings)
    app.add_url_rule("/returns", "returns", state.returns)
    app.add_url_rule("/evidence", "evidence", state.evidence)
    app.add_url_rule("/run", "run", state.run_page)
    app.add_url_rule("/run/<action>", "run_action", state.run_action, methods=["POST"])
    app.add_url_rule("/jobs/<int:job_id>", "job", state.job_page)
    app.add_url_rule("/jobs/<int:job_id>.json", "job_json", state.job_json)
    app.add_url_rule("/files", "files", state.files)
    app.add_url_rule("/download/<path:rel>", "download", state.download)
    app.add_url_rule("/report", "report", state.report)
    app.add_url_rule("/report/page-<int:number>.png", "report_page", state.report_page)
    app.register_error_handler(413, state.too_large)
    app.register_error_handler(403, _forbidden)
    app.register_error_handler(SelfAssessError, _problem)
    app.jinja_env.globals["ratings_order"] = RATINGS
    app.jinja_env.filters["datetime"] = _when
    # A file's download address, its name quoted ("Q3 #2 100%.xlsx" is not cut at the "#").
    app.jinja_env.filters["download_url"] = lambda rel: "/download/" + quote(rel)
    return app


def _problem(e: Exception) -> tuple[str, int]:
    """A mistake in a file the council edits (settings, framework): said as the CLI says it."""
    return render_template("problem.html", message=str(e)), 500


def _when(timestamp: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(timestamp).strftime("%d %b %Y %H:%M")


def _forbidden(e: Exception) -> tuple[str, int]:
    reason = getattr(e, "description", "") or "Not allowed."
    return (
        f"<!doctype html><title>Not allowed</title><h1>Not allowed</h1><p>{_escape(reason)}</p>",
        403,
    )


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _secure_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on a form.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


class _State:
    """The pages, with what they share: the workspace, the jobs, the latest snapshot."""

    def __init__(self, config: ServeConfig, jobs: Jobs, snapshots: Snapshots) -> None:
        self.config = config
        self.jobs = jobs
        self.snapshots = snapshots
        self._pages_lock = threading.Lock()  # one pdftoppm at a time (a page, the job)
        self._pages: tuple[int, list[bytes]] | None = None  # (pdf mtime, PNG pages)

    @property
    def ws(self) -> Workspace:
        from pipeline.workspace import Workspace

        return Workspace(self.config.root)

    # ---- safety --------------------------------------------------------------------------------

    def guard(self) -> Response | None:
        """Every request: a local host name, this run's token, and on a POST the CSRF token."""
        host = urlsplit("//" + (request.host or "")).hostname or ""
        if not self.config.allow_remote and host not in LOCAL_HOSTS:
            abort(403, "This page answers only on this computer (127.0.0.1).")
        given = request.args.get("token")
        if given is not None and _same(given, self.config.token):
            if request.method == "GET":
                args = {k: v for k, v in request.args.items(multi=False) if k != "token"}
                target = request.path + ("?" + _query(args) if args else "")
                response = redirect(target, 303)
                self._set_cookie(response)
                return response
        elif not _same(request.cookies.get(self.config.cookie, ""), self.config.token):
            abort(
                403,
                "Open the address that `selfassess serve` printed (it carries this run's key).",
            )
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin is not None and urlsplit(origin).netloc != request.host:
                abort(403, "A request from another site was refused.")
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf", "")
            if not _same(sent, self.config.csrf):
                abort(403, "This form has expired: reload the page and try again.")
        return None

    def _set_cookie(self, response: Response) -> None:
        response.set_cookie(
            self.config.cookie,
            self.config.token,
            httponly=True,
            samesite="Strict",
            path="/",
            secure=False,
        )

    def context(self) -> dict[str, Any]:
        ws = self.ws
        return {
            "csrf": self.config.csrf,
            "council": _council(ws),
            "current_job": self.jobs.current,
            "nav": request.endpoint,
        }

    # ---- pages ---------------------------------------------------------------------------------

    def _snapshot(self) -> Snapshot | None:
        """The latest snapshot, waiting for a fresh one up to SNAPSHOT_WAIT seconds (None:
        until read); ``g.stale`` says the page shows an older one and refreshes itself."""
        from flask import current_app, g

        snap, fresh = self.snapshots.get(current_app.config.get("SNAPSHOT_WAIT", 0.15))
        g.stale = not fresh
        return snap

    def dashboard(self) -> Any:
        snap = self._snapshot()
        if snap is None:
            return render_template("reading.html", refresh=True)
        return render_template(
            "dashboard.html",
            snap=snap,
            framework=snap.inputs.ws.framework,
            errors=len(snap.findings.errors),
            warnings=len(snap.findings.warnings),
        )

    def upload_page(self) -> str:
        s = self.ws.settings.serve
        return render_template("upload.html", results=None, settings=s)

    def upload(self) -> Any:
        settings = self.ws.settings.serve
        files = [f for f in request.files.getlist("files") if f.filename or f.content_length]
        wants_json = request.accept_mimetypes.best == "application/json"
        if not files:
            message = "No workbook was chosen: choose one or more .xlsx files."
            if wants_json:
                return jsonify({"error": message}), 400
            return render_template("upload.html", results=None, settings=settings, error=message)
        if len(files) > settings.max_upload_files:
            message = (
                f"{len(files)} files at once is more than the {settings.max_upload_files} one "
                "upload may carry (max_upload_files in selfassess.toml); send them in parts."
            )
            if wants_json:
                return jsonify({"error": message}), 413
            return render_template("upload.html", results=None, settings=settings, error=message)
        try:
            job = self.jobs.run_now(
                "upload",
                f"Upload of {len(files)} file{'s' * (len(files) != 1)}",
                lambda job: self._file_all(files, settings.max_upload_bytes),
            )
        except Busy as e:
            message = _busy_message(e)
            if wants_json:
                return jsonify({"error": message}), 409
            return render_template(
                "upload.html", results=None, settings=settings, error=message
            ), 409
        results: list[Filed] = getattr(job.result, "filed", [])
        if job.result is not None and not job.result.ok and not results:
            error = "; ".join(job.result.lines)
            if wants_json:
                return jsonify({"error": error}), 500
            return render_template("upload.html", results=None, settings=settings, error=error)
        if wants_json:
            return jsonify({"results": [r.as_json() for r in results]})
        return render_template("upload.html", results=results, settings=settings)

    def _file_all(self, files: list[FileStorage], max_bytes: int) -> Result:
        ws = self.ws
        filed = []
        for f in files:
            # One file that cannot be kept (a name the disk refuses, a full disk) is refused on
            # its own; the others are still filed and answered.
            try:
                filed.append(file_upload(ws, f.filename or "", f.stream, max_bytes))
            except OSError as e:
                name = f.filename or "(no name)"
                reason = e.strerror or "could not be saved"
                filed.append(Filed(name, False, f"It could not be kept ({reason})."))
        result = Result(True, [f"{f.name}: {f.message}" for f in filed])
        result.filed = filed  # type: ignore[attr-defined]
        return result

    def too_large(self, e: Exception) -> Any:
        s = self.ws.settings.serve
        message = (
            f"That upload is too large: at most {s.max_upload_files} workbooks of up to "
            f"{s.max_upload_bytes // (1024 * 1024)} MB each at once."
        )
        if request.accept_mimetypes.best == "application/json":
            return jsonify({"error": message}), 413
        return render_template("upload.html", results=None, settings=s, error=message), 413

    def findings(self) -> Any:
        from pipeline.model import codes

        snap = self._snapshot()
        if snap is None:
            return render_template("reading.html", refresh=True)
        severity = request.args.get("severity", "")
        code = request.args.get("code", "")
        file = request.args.get("file", "")
        qs = request.args.get("qs", "")
        every = snap.findings.sorted()
        shown = [
            f
            for f in every
            if (not severity or f.severity.value == severity)
            and (not code or f.code == code)
            and (not file or f.file == file)
            and (not qs or snap.qs_of_file.get(f.file) == qs)
        ]
        framework = snap.inputs.ws.framework
        names = {q.code: f"{q.code} {q.name}" for q in framework.quality_statements}
        groups: dict[str, dict[str, list[Any]]] = {}
        order = [q.code for q in framework.quality_statements]
        for f in shown:
            key = snap.qs_of_file.get(f.file, "")
            groups.setdefault(key, {}).setdefault(f.file, []).append(f)
        ordered = sorted(groups.items(), key=lambda kv: (kv[0] not in order, _index(order, kv[0])))
        fixes = {}
        for f in shown:
            if f.code not in fixes:
                try:
                    fixes[f.code] = codes.lookup(f.code).fix
                except LookupError:
                    fixes[f.code] = ""
        return render_template(
            "findings.html",
            groups=ordered,
            names=names,
            fixes=fixes,
            codes=sorted({f.code for f in every}),
            files=sorted({f.file for f in every}),
            total=len(every),
            shown=len(shown),
            severity=severity,
            code=code,
            file=file,
            qs=qs,
            downloadable={f.file for f in shown if self._within(f.file) is not None},
        )

    def returns(self) -> Any:
        snap = self._snapshot()
        if snap is None:
            return render_template("reading.html", refresh=True)
        qs = request.args.get("qs", "")
        group = request.args.get("group")
        rows = [
            r
            for r in snap.inputs.returns
            if (not qs or r.quality_statement == qs) and (group is None or r.group == group)
        ]
        return render_template("returns.html", rows=rows, qs=qs, group=group)

    def evidence(self) -> Any:
        snap = self._snapshot()
        if snap is None:
            return render_template("reading.html", refresh=True)
        qs = request.args.get("qs", "")
        ir = request.args.get("ir", "")
        library = snap.inputs.library
        items = list(library.items) if library is not None else []
        cited: list[tuple[str, bool]] = []
        if qs:
            by_id = library.by_id() if library is not None else {}
            for s in snap.inputs.summaries:
                if s.quality_statement == qs:
                    ids = dict.fromkeys(
                        i.upper() for e in (*s.strengths, *s.improvements) for i in e.evidence_ids
                    )
                    cited = [(i, i in by_id) for i in ids]
                    break
            items = [i for i in items if qs in i.quality_statements]
        if ir:
            items = [i for i in items if ir in i.ir_items]
        return render_template(
            "evidence.html",
            items=items,
            qs=qs,
            ir=ir,
            cited=cited,
            library_file=library.file if library is not None else None,
        )

    def run_page(self) -> str:
        from pipeline.report.pdf import find_soffice

        return render_template(
            "run.html",
            actions=ACTIONS,
            jobs=[j for j in self.jobs.latest() if j.action != "upload"][:8],
            can_pdf=find_soffice() is not None,
        )

    def run_action(self, action: str) -> Any:
        if action not in ACTIONS:
            abort(404)
        pdf = request.form.get("pdf") == "1"
        label = ACTIONS[action] + (" and its PDF" if pdf and action.startswith("build") else "")
        try:
            job = self.jobs.start(action, label, lambda job: self._work(action, job, pdf))
        except Busy as e:
            if request.accept_mimetypes.best == "application/json":
                return jsonify({"error": _busy_message(e)}), 409
            return render_template("busy.html", message=_busy_message(e), job=e.job), 409
        if request.accept_mimetypes.best == "application/json":
            return jsonify(job.as_json())
        return redirect(f"/jobs/{job.id}", 303)

    def _work(self, action: str, job: Job, pdf: bool) -> Result:
        from pipeline import app

        ws = self.ws.require()
        rel = ws.relative
        if action == "generate-checklists":
            made = app.generate_checklists(ws)
            return _generated(ws, made, "checklists")
        if action == "generate-summaries":
            made = app.generate_summaries(ws, progress=job.progress)
            return _generated(ws, made, "summaries")
        if action == "collect":
            collected = app.collect(ws, progress=job.progress)
            lines = [
                f"{collected.returns} returns read, {len(collected.skipped)} skipped.",
                *(f.line() for f in collected.findings.sorted()[:50]),
            ]
            ok = not collected.skipped and not collected.findings.errors
            return Result(ok, lines, [rel(ws.findings_xlsx)])
        if action == "validate":
            checked = app.validate_workspace(ws, progress=job.progress)
            findings = checked.findings
            lines = [_counts(findings) + "."]
            return Result(
                findings.ok(), lines, [rel(ws.validation_report), rel(ws.ir_coverage)], True
            )
        draft = action == "build-draft"
        built = app.build_report(ws, draft=draft, pdf=pdf, progress=job.progress)
        counts = _counts(built.findings)
        if built.docx is None:
            lines = [
                "Not built: the final report needs a valid, verified summary for every quality "
                f"statement and no errors ({counts}). The previous report, if any, is unchanged."
            ]
            if built.incomplete:
                lines.append("Incomplete: " + "; ".join(built.incomplete) + ".")
            lines += [f"Personal data: {f.location}: {f.message}" for f in built.personal_data]
            return Result(False, lines, [], True)
        lines = [f"Wrote {rel(built.docx)}" + (" (DRAFT)." if draft else ".")]
        files = [rel(built.docx)]
        if built.pdf is not None:
            lines.append(f"Wrote {rel(built.pdf)}.")
            files.append(rel(built.pdf))
            job.step = "Drawing the report's pages"
            self._render_pages(ws)
        if draft and built.incomplete:
            lines.append("Not final: " + "; ".join(built.incomplete) + ".")
        if len(built.findings):
            lines.append(f"{counts}: see Findings.")
        lines += [
            f"Personal data the report would print: {f.location}: {f.message}"
            for f in built.personal_data
        ]
        return Result(True, lines, files, bool(len(built.findings)))

    def job_page(self, job_id: int) -> str:
        job = self.jobs.get(job_id)
        if job is None:
            abort(404)
        return render_template("job.html", job=job)

    def job_json(self, job_id: int) -> Any:
        job = self.jobs.get(job_id)
        if job is None:
            abort(404)
        return jsonify(job.as_json())

    def files(self) -> str:
        ws = self.ws
        groups = []
        for title, base in (("Outputs", ws.outputs), ("Inputs", ws.inputs)):
            rows = []
            if base.is_dir():
                for path in sorted(base.rglob("*")):
                    parts = path.relative_to(base).parts
                    if any(p.startswith(_HIDDEN) for p in parts) or not path.is_file():
                        continue
                    if self._within(ws.relative(path)) is None:
                        continue  # a link to somewhere else: never shown, never served
                    st = path.stat()
                    rows.append((ws.relative(path), st.st_size, st.st_mtime))
            groups.append((title, rows))
        return render_template("files.html", groups=groups)

    def _within(self, rel: str) -> Path | None:
        """The file ``rel`` names inside inputs/ or outputs/, or None (never anything else)."""
        ws = self.ws
        if not rel or "\\" in rel or "\x00" in rel:
            return None
        root = ws.root.resolve()
        try:
            path = (root / rel).resolve()
        except (OSError, RuntimeError):  # a name too long for the disk, a loop of links
            return None
        for base in (ws.inputs.resolve(), ws.outputs.resolve()):
            if path.is_relative_to(base) and path != base:
                parts = path.relative_to(base).parts
                if any(p.startswith(_HIDDEN) for p in parts):
                    return None
                try:
                    return path if path.is_file() else None
                except OSError:  # a name too long for the disk
                    return None
        return None

    def download(self, rel: str) -> Response:
        from flask import send_file

        path = self._within(rel)
        if path is None:
            abort(404)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return send_file(path, mimetype=mime, as_attachment=True, download_name=path.name)

    def report(self) -> str:
        from pipeline.report.pdf import find_soffice

        ws = self.ws
        pages = self._render_pages(ws) if ws.report_pdf.is_file() else []
        return render_template(
            "report.html",
            docx=ws.relative(ws.report_docx) if ws.report_docx.is_file() else None,
            pdf=ws.relative(ws.report_pdf) if ws.report_pdf.is_file() else None,
            pages=len(pages),
            can_pdf=find_soffice() is not None,
            can_draw=shutil.which("pdftoppm") is not None,
        )

    def report_page(self, number: int) -> Response:
        ws = self.ws
        pages = self._render_pages(ws) if ws.report_pdf.is_file() else []
        if not 1 <= number <= len(pages):
            abort(404)
        return Response(pages[number - 1], mimetype="image/png")

    def _render_pages(self, ws: Workspace) -> list[bytes]:
        """The PDF's pages as PNG (pdftoppm), drawn once per PDF, in a temporary folder inside
        outputs/ that is removed at once; [] without pdftoppm."""
        pdftoppm = shutil.which("pdftoppm")
        try:
            mtime = ws.report_pdf.stat().st_mtime_ns
        except OSError:
            return []
        if self._pages is not None and self._pages[0] == mtime:
            return self._pages[1]
        if pdftoppm is None:
            return []
        with self._pages_lock, tempfile.TemporaryDirectory(dir=ws.outputs, prefix=".pages-") as tmp:
            try:
                subprocess.run(
                    [pdftoppm, "-png", "-r", "60", str(ws.report_pdf), str(Path(tmp) / "page")],
                    check=True,
                    capture_output=True,
                    timeout=300,
                )
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                return []  # not a PDF pdftoppm can read (or one still being written)
            files = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
            pages = [p.read_bytes() for p in files]
            self._pages = (mtime, pages)
        return pages


def _generated(ws: Workspace, made: Any, what: str) -> Result:
    lines = [f"{len(made.written)} {what} written, {len(made.kept)} kept."]
    lines += [f"Kept {ws.relative(p)}: it has been filled in." for p in made.kept]
    return Result(not made.kept, lines, [ws.relative(p) for p in made.written])


def _counts(findings: Any) -> str:
    e, w = len(findings.errors), len(findings.warnings)
    return f"{e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}"


def _busy_message(e: Busy) -> str:
    what = e.job.label if e.job is not None else "Another action"
    return f"Busy: {what} is running. Try again when it has finished."


def _index(order: list[str], key: str) -> int:
    return order.index(key) if key in order else len(order)


def _query(args: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(args)


def _council(ws: Workspace) -> str:
    try:
        return ws.settings.council
    except Exception:
        return ""


def serve(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    allow_remote: bool = False,
    open_browser: bool = True,
    echo: Any = print,
) -> None:
    """Run the pages until interrupted; prints the address with this run's token."""
    import logging
    import threading
    import webbrowser

    from werkzeug.serving import make_server

    # One line per request is noise for a pen holder; problems still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    config = ServeConfig(root=root, allow_remote=allow_remote)
    app = create_app(config)
    server = make_server(host, port, app, threaded=True)
    shown_host = "127.0.0.1" if host in ("127.0.0.1", "0.0.0.0") else host
    if ":" in shown_host and not shown_host.startswith("["):
        shown_host = f"[{shown_host}]"
    url = f"http://{shown_host}:{server.server_port}/?token={config.token}"
    echo(f"selfassess is serving {root} at:\n  {url}\nPress Ctrl-C to stop.")
    state: _State = app.extensions["selfassess"]
    threading.Thread(target=_warm, args=(state,), daemon=True).start()
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _warm(state: _State) -> None:
    """Read the workspace once in the background, so the first page is quick."""
    import contextlib

    with contextlib.suppress(Exception):  # the page itself will say what is wrong
        state.snapshots.get(wait=None)


def _same(given: str, secret: str) -> bool:
    """``given`` is ``secret``, compared in constant time (as bytes: any text may be sent)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), secret.encode())
