"""The ``selfassess`` command line: parse, call one library function, print, set the exit code.

Heavy libraries (openpyxl, lxml, docx) are imported inside the commands so that ``--help``
answers at once.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from pipeline.app import GenerateResult
    from pipeline.model.findings import Findings
    from pipeline.workspace import Workspace

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

# A bar only when there is enough work to wait for.
PROGRESS_THRESHOLD = 20


def _progress(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    if total < PROGRESS_THRESHOLD or not sys.stderr.isatty():
        yield from items
        return
    with click.progressbar(items, length=total, label=label, file=sys.stderr) as bar:
        yield from bar


def _handle_errors(func: F) -> F:
    """Turn the errors a user can cause into a one-line message and exit code 1."""
    import errno
    import functools

    from pipeline.workspace import printable_path

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pipeline.errors import SelfAssessError

        try:
            return func(*args, **kwargs)
        except SelfAssessError as e:
            raise click.ClickException(str(e)) from e
        except PermissionError as e:
            raise click.ClickException(
                f"Permission denied: {_named(e)}. Close the file if it is open in Excel "
                "or LibreOffice, or check you may write to that folder."
            ) from e
        except BrokenPipeError:
            raise  # the reader of our output went away (`| head`): see run()
        except OSError as e:
            if e.errno == errno.ENOSPC:
                raise click.ClickException(
                    "The disk is full: the file being written was not replaced (it is as it was; "
                    "files finished before it are complete). Free some space and run the command "
                    "again."
                ) from e
            where = f" ({_named(e)})" if e.filename else ""
            raise click.ClickException(f"{e.strerror or e}{where}.") from e

    def _named(e: OSError) -> str:
        """The file the user knows: when a finished output could not take the place of the old
        one (``os.replace``), the output's own name, not its temporary one's."""
        return printable_path(str(e.filename2 or e.filename))

    return wrapper  # type: ignore[return-value]


def _workspace(ctx: click.Context) -> Workspace:
    from pipeline.workspace import Workspace

    root: Path = ctx.obj["workspace"]
    return Workspace(root).require()


def _echo_generated(ws: Workspace, result: GenerateResult, what: str) -> None:
    for path in result.written:
        click.echo(f"wrote {ws.relative(path)}")
    for path in result.kept:
        click.echo(
            f"kept {ws.relative(path)}: it has been filled in. Move it to inputs/ "
            "or use --force to replace it with a blank one.",
            err=True,
        )
    click.echo(f"{len(result.written)} {what} written, {len(result.kept)} kept.")
    if result.kept:
        sys.exit(1)


def _print_findings(ws: Workspace, findings: Findings) -> None:
    """A table grouped by file, coloured where the terminal supports it."""
    from pipeline.model.findings import Severity

    # Files with errors first, so that what blocks the build is on screen before the warnings.
    with_errors = {f.file for f in findings.errors}
    ordered = sorted(findings.sorted(), key=lambda f: f.file not in with_errors)
    current = None
    for f in ordered:
        if f.file != current:
            current = f.file
            click.secho(f"\n{f.file}", bold=True)
        colour = "red" if f.severity is Severity.ERROR else "yellow"
        where = " ".join(x for x in (f.sheet, f.cell) if x)
        label = click.style(f"{f.severity.value:<7}", fg=colour)
        # Reader messages are written to follow the file's name ("is password-protected…").
        message = f"This file {f.message}" if f.message[:1].islower() else f.message
        click.echo(f"  {label} {where:<24} {message} [{f.code}]")
    n_err, n_warn = len(findings.errors), len(findings.warnings)
    summary = f"{n_err} error{'s' * (n_err != 1)}, {n_warn} warning{'s' * (n_warn != 1)}"
    click.secho(f"\n{summary}", fg="red" if n_err else ("yellow" if n_warn else "green"))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default="the current folder",
    help="The workspace folder (made by `selfassess init`).",
)
@click.version_option(package_name="selfassess", prog_name="selfassess")
@click.pass_context
def main(ctx: click.Context, workspace: Path) -> None:
    """Adult social care self-assessment for the CQC, from Stage 1 checklists to the report.

    \b
    A typical round:
      selfassess init mycouncil --council "Anytown Council"
      selfassess -w mycouncil generate checklists     # send these out
      selfassess -w mycouncil collect                 # returns in inputs/stage1/
      selfassess -w mycouncil generate summaries      # send to lead officers
      selfassess -w mycouncil validate                # completed ones in inputs/stage2/
      selfassess -w mycouncil build
    """
    ctx.ensure_object(dict)
    ctx.obj["workspace"] = workspace


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--council", required=True, help="The council's name, as it appears in the report.")
@_handle_errors
def init(directory: Path, council: str) -> None:
    """Create a new workspace for a council.

    \b
    Example:
      selfassess init anytown --council "Anytown Council"
    """
    from pipeline.app import init_workspace

    ws = init_workspace(directory, council)
    click.echo(f"Created the workspace {directory} for {council}.")
    click.echo(f"Next: selfassess --workspace {ws.root} generate checklists")


@main.group()
def generate() -> None:
    """Write the workbooks to send out (Stage 1 checklists, Stage 2 summaries)."""


@generate.command("checklists")
@click.option("--force", is_flag=True, help="Replace checklists in outputs/ even if filled in.")
@click.pass_context
@_handle_errors
def generate_checklists_cmd(ctx: click.Context, force: bool) -> None:
    """Write the nine Stage 1 checklist workbooks to outputs/stage1/checklists/.

    \b
    Example:
      selfassess --workspace anytown generate checklists
    """
    from pipeline.app import generate_checklists

    ws = _workspace(ctx)
    _echo_generated(ws, generate_checklists(ws, force=force), "checklists")


@generate.command("summaries")
@click.option("--force", is_flag=True, help="Replace summaries in outputs/ even if filled in.")
@click.pass_context
@_handle_errors
def generate_summaries_cmd(ctx: click.Context, force: bool) -> None:
    """Write the nine Stage 2 summary workbooks to outputs/stage2/templates/.

    When Stage 1 returns exist in inputs/stage1/, their findings go into each workbook's
    guidance sheet.

    \b
    Example:
      selfassess --workspace anytown generate summaries
    """
    from pipeline.app import generate_summaries

    ws = _workspace(ctx)
    _echo_generated(ws, generate_summaries(ws, force=force, progress=_progress), "summaries")


@generate.command("plan")
@click.option("--force", is_flag=True, help="Replace the plan even if it has been filled in.")
@click.pass_context
@_handle_errors
def generate_plan_cmd(ctx: click.Context, force: bool) -> None:
    """Write the improvement plan, inputs/improvement-plan.xlsx, from the Stage 2 summaries.

    One row per area for improvement and priority, pre-filled; fill in the action, owner, due
    date, status, measure of success and latest update. A plan already filled in is kept.

    \b
    Example:
      selfassess --workspace anytown generate plan
    """
    from pipeline.app import generate_plan

    ws = _workspace(ctx)
    result = generate_plan(ws, force=force)
    for path in result.written:
        click.echo(f"wrote {ws.relative(path)}")
    for path in result.kept:
        click.echo(
            f"kept {ws.relative(path)}: it has been filled in (use --force to replace it with a "
            "new one, losing what was typed).",
            err=True,
        )


@generate.command("audits")
@click.option(
    "--count", type=int, default=1, show_default=True, help="How many numbered audits to write."
)
@click.option("--force", is_flag=True, help="Replace audits in outputs/ even if filled in.")
@click.pass_context
@_handle_errors
def generate_audits_cmd(ctx: click.Context, count: int, force: bool) -> None:
    """Write blank case-file audit workbooks to outputs/audits/templates/.

    One workbook per case audited, against the practice assurance standards: the case reference
    (not a name), team, audit date and auditor's post, then each criterion met, partly met, not
    met or not applicable, with the auditor's evidence. Returned audits go in inputs/audits/.

    \b
    Example:
      selfassess --workspace anytown generate audits --count 20
    """
    from pipeline.app import generate_audits

    ws = _workspace(ctx)
    _echo_generated(ws, generate_audits(ws, force=force, count=count), "audits")


@main.command()
@click.argument("what", required=False, type=click.Choice(["audits"]), metavar="[audits]")
@click.option("--json", "as_json", is_flag=True, help="Print the aggregates as JSON.")
@click.pass_context
@_handle_errors
def collect(ctx: click.Context, what: str | None, as_json: bool) -> None:
    """Read the Stage 1 returns in inputs/stage1/ and write outputs/stage1/findings.xlsx.

    `collect audits` reads the case-file audits in inputs/audits/ instead, and writes
    outputs/audits/audit-findings.xlsx.

    Returns may have any file names and sit in sub-folders. A return that cannot be read is
    reported and skipped, after everything else has been written; any error (a skipped return,
    a rating that is not on the scale) makes the exit code 1.

    \b
    Example:
      selfassess --workspace anytown collect
      selfassess --workspace anytown collect --json > stage1.json
      selfassess --workspace anytown collect audits
    """
    if what == "audits":
        _collect_audits(ctx, as_json)
        return
    import gc

    from pipeline.app import collect as run_collect

    # A short-lived process making many small objects and few cycles: looking for garbage
    # cycles less often (as mypy does) saves about 6% of the command's time, ~1 MB of memory.
    gc.set_threshold(200_000, 30, 30)
    ws = _workspace(ctx)
    result = run_collect(ws, progress=_progress)
    if as_json:
        _dump_json(result.as_json())
    else:
        for f in result.findings.sorted():
            click.echo(f.line(), err=True)
        click.echo(
            f"{result.returns} returns read, {len(result.skipped)} skipped; "
            f"wrote {ws.relative(ws.findings_xlsx)}"
        )
    if result.skipped or result.findings.errors:
        sys.exit(1)


def _collect_audits(ctx: click.Context, as_json: bool) -> None:
    from pipeline.analysis.audits import percent
    from pipeline.app import collect_audits

    ws = _workspace(ctx)
    result = collect_audits(ws)
    summary = result.summary
    if as_json:
        _dump_json(
            {
                "audits": len(summary.audits),
                "skipped": len(result.skipped),
                "compliance": summary.overall.compliance,
                "by_standard": {s.code: t.compliance for s, t in summary.by_standard},
                "by_team": {team: t.compliance for team, t in summary.by_team.items()},
                "findings": result.findings.as_json(),
            }
        )
    else:
        for f in result.findings.sorted():
            click.echo(f.line(), err=True)
        n = len(summary.audits)
        if result.written is None:
            click.echo(
                f"No case-file audit to count in {ws.relative(ws.audits_inputs)}/ "
                f"({len(result.skipped)} skipped); nothing written. Make blank ones with "
                "`selfassess generate audits`.",
                err=True,
            )
        else:
            click.echo(
                f"{n} audit{'s' * (n != 1)} read, {len(result.skipped)} skipped; overall "
                f"compliance {percent(summary.overall.compliance)}; wrote "
                f"{ws.relative(result.written)}"
            )
    if result.skipped or result.findings.errors or result.written is None:
        sys.exit(1)


@main.group("import")
def import_group() -> None:
    """Bring other Stage 1 evidence into the workspace (survey exports)."""


@import_group.command("survey")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Replace a different export already imported under the same name (a newer export of "
    "the same survey).",
)
@click.pass_context
@_handle_errors
def import_survey_cmd(ctx: click.Context, file: Path, replace: bool) -> None:
    """Copy a survey export (CSV or .xlsx) into inputs/surveys/ and write its column mapping.

    One row per respondent, one column per checklist statement (plus any group and comment
    columns), as Microsoft Forms, SmartSurvey or SurveyMonkey export them. Each column is matched
    to a statement by its text; the guesses go into inputs/survey-mapping.yaml for you to check
    and correct. Running it again keeps what the mapping says. `selfassess collect` then counts
    every respondent like a returned checklist.

    \b
    Example:
      selfassess --workspace anytown import survey ~/Downloads/stage1-survey.csv
      selfassess --workspace anytown import survey ~/Downloads/stage1-survey.csv --replace
    """
    from pipeline.app import import_survey

    ws = _workspace(ctx)
    result = import_survey(ws, file, replace=replace)
    verb = "replaced" if result.replaced else "wrote"
    click.echo(f"{verb} {ws.relative(result.survey)}")
    statements = sum(1 for _c, _h, r in result.columns if r.startswith("QS") and "comment" not in r)
    comments = sum(1 for _c, _h, r in result.columns if r.endswith("comment"))
    unmatched = [(c, h) for c, h, r in result.columns if r == "?"]
    group = next((c for c, _h, r in result.columns if r == "group"), None)
    click.echo(
        f"wrote {ws.relative(result.mapping)}: {statements} rating columns, {comments} comment "
        f"columns, {'group in column ' + group if group else 'no group column'}, "
        f"{len(unmatched)} not matched. Check it, correct what is wrong, then run "
        "`selfassess collect`."
    )
    for letter, heading in unmatched:
        click.echo(f"  not matched: column {letter} “{heading}”", err=True)
    for f in result.findings.sorted():
        if f.code != "survey-column-unmatched":
            click.echo(f.line(), err=True)
    n = result.respondents
    click.echo(f"{n} respondent{'s' * (n != 1)} with answers.")
    if result.findings.errors:
        sys.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit code 1).")
@click.pass_context
@_handle_errors
def validate(ctx: click.Context, as_json: bool, strict: bool) -> None:
    """Read every input and print every problem, grouped by file.

    Also writes outputs/validation-report.xlsx with every finding, filterable.

    \b
    Example:
      selfassess --workspace anytown validate
      selfassess --workspace anytown validate --strict --json
    """
    from pipeline.app import validate_workspace

    ws = _workspace(ctx)
    findings = validate_workspace(ws, progress=_progress).findings
    if as_json:
        _dump_json(findings.as_json())
    else:
        _print_findings(ws, findings)
        click.echo(f"Report: {ws.relative(ws.validation_report)}")
    if not findings.ok(strict=strict):
        sys.exit(1)


@main.command()
@click.option(
    "--draft",
    is_flag=True,
    help="Build despite errors or missing summaries; every page is marked DRAFT.",
)
@click.option("--pdf", is_flag=True, help="Also write a PDF (needs LibreOffice).")
@click.pass_context
@_handle_errors
def build(ctx: click.Context, draft: bool, pdf: bool) -> None:
    """Validate everything, then write outputs/self-assessment.docx.

    A final report needs a valid, verified summary for each of the nine quality statements and
    no errors; until then it is refused (the previous report is kept) unless --draft.

    \b
    Example:
      selfassess --workspace anytown build --pdf
      selfassess --workspace anytown build --draft
    """
    from pipeline.app import build_report

    ws = _workspace(ctx)
    result = build_report(ws, draft=draft, pdf=pdf, progress=_progress)
    counts = _counts(result.findings)
    if result.docx is None:
        lines = [
            "Not built: the final report needs a valid, verified summary for every "
            f"quality statement and no errors ({counts})."
        ]
        if result.incomplete:
            lines.append("Incomplete: " + "; ".join(result.incomplete) + ".")
        lines.append(
            f"Run `selfassess --workspace {ws.root} validate` to see where, or build a draft "
            "with --draft. The previous report, if any, is unchanged."
        )
        click.echo("\n".join(lines), err=True)
        _echo_personal_data(ws, result.personal_data, err=True)
        sys.exit(1)
    click.echo(f"wrote {ws.relative(result.docx)}" + (" (DRAFT)" if draft else ""))
    if result.pdf is not None:
        click.echo(f"wrote {ws.relative(result.pdf)}")
    if draft and result.incomplete:
        click.echo("Not final: " + "; ".join(result.incomplete) + ".")
    if len(result.findings):
        click.echo(f"{counts}: see `selfassess validate`.")
    _echo_personal_data(ws, result.personal_data)


def _counts(findings: Any) -> str:
    """``5 errors, 40 warnings``."""
    e, w = len(findings.errors), len(findings.warnings)
    return f"{e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}"


def _echo_personal_data(ws: Workspace, found: list[Any], err: bool = False) -> None:
    """The personal-data findings in text the report prints, by file and cell."""
    if not found:
        return
    click.echo(
        f"Personal data the report would print ({len(found)}): remove it before sending.",
        err=err,
    )
    for f in found:
        field = f" ({f.field})" if f.field else ""
        click.echo(f"  {f.location}{field}: {f.message.split('. ')[0]}.", err=err)


@main.command()
@click.pass_context
@_handle_errors
def status(ctx: click.Context) -> None:
    """One table for the pen holder: where each quality statement stands.

    \b
    Example:
      selfassess --workspace anytown status
    """
    from pipeline.app import workspace_status

    ws = _workspace(ctx)
    table = workspace_status(ws)
    for line in table.lines():
        click.echo(line)


@main.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="The port to listen on (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on; another than this computer's needs --allow-remote.",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow --host to be an address other computers can reach (not recommended).",
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in a web browser.")
@click.pass_context
@_handle_errors
def serve(ctx: click.Context, port: int, host: str, allow_remote: bool, no_browser: bool) -> None:
    """The pen holder's page: the round's status, uploads, findings and every stage.

    Opens a local web page (only on this computer, with a key in its address that this run
    prints); Ctrl-C stops it.

    \b
    Example:
      selfassess --workspace anytown serve
      selfassess --workspace anytown serve --port 8800 --no-browser
    """
    from pipeline.web.server import LOCAL_HOSTS
    from pipeline.web.server import serve as run_server

    ws = _workspace(ctx)
    if host not in LOCAL_HOSTS:
        if not allow_remote:
            raise click.UsageError(
                f"--host {host} would let other computers reach the page; add --allow-remote "
                "if that is really meant."
            )
        click.secho(
            f"Warning: listening on {host}: anyone who can reach this computer and has the "
            "address below can read and change this workspace. The traffic is not encrypted.",
            fg="red",
            err=True,
        )
    run_server(
        ws.root,
        host=host,
        port=port,
        allow_remote=allow_remote,
        open_browser=not no_browser,
        echo=lambda text: click.echo(text),
    )


@main.group("round")
def round_group() -> None:
    """Close a round of the self-assessment and start the next one."""


@round_group.command("close")
@click.pass_context
@_handle_errors
def round_close_cmd(ctx: click.Context) -> None:
    """Archive this round into rounds/<date>/ (read-only) and start the next one.

    The archive holds inputs/, outputs/, selfassess.toml and round.json (the date, the framework's
    version, counts). The next round keeps the evidence library, the overview and the
    improvement plan (without its Done actions, which stay in the archive); the Stage 1 returns,
    surveys, Stage 2 summaries and outputs leave the workspace (they are in the archive).

    \b
    Example:
      selfassess --workspace anytown round close
    """
    from pipeline.app import close_round

    ws = _workspace(ctx)
    result = close_round(ws)
    c = result.counts
    click.echo(
        f"archived this round in {ws.relative(result.archive)} (read-only): "
        f"{c['stage1_returns']} Stage 1 returns, {c['stage2_summaries']} Stage 2 summaries, "
        f"{c['evidence_items']} evidence items, {c['plan_actions']} actions."
    )
    for path in result.carried:
        click.echo(f"kept {ws.relative(path)} for the next round")
    if result.done_actions:
        click.echo(
            f"took {len(result.done_actions)} Done action(s) out of the plan "
            f"({', '.join(result.done_actions)}); they are in the archive."
        )
    if result.plan_note:
        click.echo(
            f"left the Done actions in inputs/improvement-plan.xlsx: {result.plan_note}. "
            "Delete their rows by hand; they are in the archive."
        )
    for rel in result.stayed:
        click.echo(
            f"kept {rel}: it was saved while the round was being archived, so it is not in "
            "the archive; move it where it belongs.",
            err=True,
        )
    click.echo(
        "The next round has started: send out new checklists with "
        "`selfassess generate checklists`, and later run `selfassess compare`."
    )


@main.command()
@click.argument("round_name", metavar="[ROUND]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.pass_context
@_handle_errors
def compare(ctx: click.Context, round_name: str | None, as_json: bool) -> None:
    """Compare this round with a closed one (default: the latest) and write
    outputs/comparison.xlsx.

    Per Stage 1 statement: % agree and mean then and now, with the number of returns; new and
    resolved areas for improvement, self-rating changes and Stage 2 words per quality statement;
    evidence added and retired; actions completed.

    \b
    Example:
      selfassess --workspace anytown compare
      selfassess --workspace anytown compare 2026-12-01
    """
    from pipeline.app import compare_rounds

    ws = _workspace(ctx)
    result = compare_rounds(ws, round_name)
    if as_json:
        _dump_json(result.comparison.as_json())
        return
    for line in comparison_lines(result.comparison):
        click.echo(line)
    click.echo(f"wrote {ws.relative(result.xlsx)}")


def _num(value: float | None, places: int = 1) -> str:
    return "none" if value is None else f"{value:.{places}f}"


def _short(text: str, most: int = 90) -> str:
    line = " ".join(text.split())
    return line if len(line) <= most else line[: most - 1].rstrip() + "…"


def comparison_lines(c: Any) -> list[str]:
    """The printed summary of a comparison: what changed, nothing that did not."""
    lines = [f"Compared with the round of {c.then_label}:"]
    moved = c.changed_statements()
    lines.append(f"Stage 1: {len(moved)} of {len(c.statements)} statements moved.")
    for s in moved:
        lines.append(
            f"  {s.quality_statement} statement {s.number}: % agree {_num(s.agree_then)} -> "
            f"{_num(s.agree_now)}, mean {_num(s.mean_then, 2)} -> {_num(s.mean_now, 2)} "
            f"(answers {s.responses_then} -> {s.responses_now}, "
            f"returns {s.returns_then} -> {s.returns_now})"
        )
    for q in c.quality_statements:
        for text in q.new_improvements:
            lines.append(f"  {q.code} new area for improvement: {_short(text)}")
        for text in q.resolved_improvements:
            lines.append(f"  {q.code} resolved area for improvement: {_short(text)}")
        if q.rating_changed:
            lines.append(f"  {q.code} self-rating {q.rating_then} -> {q.rating_now}")
    lines.append(
        "Evidence added: "
        + (", ".join(c.evidence_added) or "none")
        + "; retired: "
        + (", ".join(c.evidence_retired) or "none")
    )
    done = [f"{ref} ({qs})" for ref, qs, _action in c.actions_completed]
    lines.append(f"Actions completed: {', '.join(done) or 'none'}")
    return lines


def run() -> None:
    """Entry point: exit codes as documented (Ctrl-C is 130), never a traceback for them.

    Once the command is done, and everything it wrote is closed and in place, the process
    leaves at once (``os._exit``, as mypy does) rather than have Python free every object it
    made one by one: about 0.05 s of a ``collect`` of 1,000 returns, for nothing."""
    import os

    code = _exit_code()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):  # a reader gone, or the stream closed
            code = code or 1
    os._exit(code)


def _exit_code() -> int:
    """Run the command; its exit code."""
    try:
        try:
            code = main.main(standalone_mode=False)
        except RuntimeError as e:
            # Ctrl-C while Python makes a class (a module being imported) comes wrapped in
            # "Error calling __set_name__": an interrupt all the same.
            if isinstance(e.__cause__, KeyboardInterrupt):
                raise e.__cause__ from None
            raise
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo(
            "Interrupted; files already written are complete, nothing half-written.", err=True
        )
        return 130
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except BrokenPipeError:
        # Output piped into a program that stopped reading (`selfassess status | head`): stop
        # quietly, as Python's documentation advises (nothing more can be written to stdout).
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as e:  # outside any command (`--version > /dev/full`): one line all the same
        with contextlib.suppress(OSError, ValueError):
            click.echo(f"Error: {e.strerror or e}.", err=True)
        return 1
    except SystemExit as e:  # a command's sys.exit(1)
        if e.code is None or isinstance(e.code, int):
            return e.code or 0
        click.echo(e.code, err=True)  # as Python prints sys.exit("message")
        return 1
    return code if isinstance(code, int) else 0


def _dump_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
