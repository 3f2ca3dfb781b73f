"""Section B as printed: how many words each quality statement's section has in the report.

The word limit applies to a quality statement's section as the report prints it: everything the
template prints for that quality statement (its heading, the we statement, the subheadings, the
typed text and the "Evidence: EV-…" lines). What the template prints around the typed text is
measured by rendering the template actually used (a council may restyle its own copy): once
with no quality statement at all, once with each quality statement alone and an empty summary
(its fixed words), and with small probe texts ("x", "x y") to see what each typed part adds. The
result, a ``PrintedLayout`` per quality statement, is kept per template fingerprint.

Words are counted as Word counts them (``count_words``) in the body's paragraphs; pictures,
charts and text boxes (anything inside a drawing) count as no words.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.model.words import EntryLayout, FieldLayout, PrintedLayout, count_words

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.report.build import EntryView, SummaryView


# The narratives that print in Section B, and the sign-off fields a council's template may add.
NARRATIVES = ("ambition", "priorities", "others_say")
PEOPLE = ("lead_officer", "lead_officer_post", "verified_by", "verified_by_post")
# SummaryView attribute -> Summary attribute
_SUMMARY_KEY = {
    "ambition": "ambition",
    "priorities": "priorities",
    "others_say": "others_say",
    "lead_officer": "lead_officer_name",
    "lead_officer_post": "lead_officer_post",
    "verified_by": "verified_by_name",
    "verified_by_post": "verified_by_post",
}


def template_digest(template: Path) -> str:
    return hashlib.sha256(template.read_bytes()).hexdigest()


# Bump when the cache files' layout changes.
_CACHE_FORMAT = 2


def printed_layouts(
    framework: Framework, template: Path, cache: Path | None = None
) -> dict[str, PrintedLayout]:
    """Each quality statement's ``PrintedLayout`` (by code) for ``template``. The shipped
    template with the packaged framework was measured when the package was built
    (``SHIPPED``); any other template (a council's restyled copy, or the framework with a
    council's overrides) is measured once per template fingerprint and kept in ``cache`` (a
    folder) between runs. ``{}`` when the template cannot be rendered (``build`` says why)."""
    try:
        digest = template_digest(template)
    except OSError:
        return {}
    shipped = _shipped(framework, digest)
    if shipped is not None:
        return shipped
    path = None
    if cache is not None:
        key = hashlib.sha256(
            json.dumps([_CACHE_FORMAT, digest, _framework_key(framework), _code_digest()]).encode()
        ).hexdigest()
        path = cache / f"printed-words-{key[:40]}.json"
        found = _load(path, framework)
        if found is not None:
            return found
    # Measuring renders the template: only now are docxtpl and Jinja needed.
    import zipfile

    import jinja2
    from docx.opc.exceptions import PackageNotFoundError

    from pipeline.report.build import _BrokenXML

    try:
        layouts = dict(_measure(framework, str(template), digest))
    except (
        jinja2.TemplateError,
        _BrokenXML,
        PackageNotFoundError,
        zipfile.BadZipFile,  # not a Word document at all
        KeyError,
        ValueError,
        OSError,
    ):
        return {}
    if path is not None:
        _store(path, layouts)
    return layouts


# The shipped report template, measured with the packaged framework when the package is built:
# a new workspace's first build renders nothing to measure it. Written by
# ``python -m pipeline.report.printed --write``; tests/test_printed_words.py checks that it is
# what measuring the shipped template gives now.
SHIPPED = Path(__file__).with_name("printed-words.json")


def shipped_measure(framework: Framework, template: Path) -> dict[str, Any]:
    """What ``SHIPPED`` holds for ``template`` measured with ``framework``."""
    digest = template_digest(template)
    layouts = dict(_measure(framework, str(template), digest))
    return {
        "template_sha256": digest,
        "framework_sha256": _framework_digest(framework),
        "layouts": {code: asdict(v) for code, v in layouts.items()},
    }


def _framework_digest(framework: Framework) -> str:
    return hashlib.sha256(json.dumps(_framework_key(framework)).encode()).hexdigest()


def _shipped(framework: Framework, digest: str) -> dict[str, PrintedLayout] | None:
    """The measure kept in ``SHIPPED`` when it is of this template and framework, else None."""
    data = _read_shipped()
    if data is None or data.get("template_sha256") != digest:
        return None
    if data.get("framework_sha256") != _framework_digest(framework):
        return None
    return _parse(data.get("layouts"), framework)


@lru_cache(maxsize=1)
def _read_shipped() -> dict[str, Any] | None:
    try:
        data = json.loads(SHIPPED.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _framework_key(framework: Framework) -> list[Any]:
    """What the printed words depend on in the framework: names and we statements, in order."""
    return [
        [
            theme.code,
            theme.name,
            theme.introduction,
            [[q.code, q.name, q.we_statement] for q in theme.quality_statements],
        ]
        for theme in framework.themes
    ]


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """The package version and the code that renders and measures."""
    from pipeline._version import __version__

    sha = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    for path in (*sorted(here.glob("*.py")), here.parent / "model" / "words.py"):
        sha.update(path.name.encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()


def _load(path: Path, framework: Framework) -> dict[str, PrintedLayout] | None:
    """The layouts kept in ``path``, or None when missing, unreadable or damaged."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return _parse(data, framework)


def _parse(data: Any, framework: Framework) -> dict[str, PrintedLayout] | None:
    """Layouts as ``_store`` writes them (code -> fields), or None when damaged."""
    try:
        layouts = {
            code: PrintedLayout(
                fixed=int(value["fixed"]),
                fields=tuple(FieldLayout(**f) for f in value["fields"]),
                strengths=EntryLayout(**value["strengths"]),
                improvements=EntryLayout(**value["improvements"]),
                stage1=int(value.get("stage1", 0)),
            )
            for code, value in data.items()
        }
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if set(layouts) != {qs.code for qs in framework.quality_statements}:
        return None
    return layouts


def _store(path: Path, layouts: dict[str, PrintedLayout]) -> None:
    """Keep ``layouts`` in ``path``; a folder that cannot be written keeps nothing."""
    data = json.dumps({code: asdict(v) for code, v in layouts.items()}, indent=1)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(data, "utf-8")
        tmp.replace(path)
    except OSError:
        return


def body_words(document: Any) -> list[int]:
    """Words per paragraph of a document's body, as Word counts them; text inside drawings
    (pictures, charts, text boxes) is left out."""
    from docx.oxml.ns import qn

    skip = {qn("w:drawing"), qn("w:pict"), qn("w:txbxContent")}
    tab, br, cr, text = qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:t")
    counts = []
    for p in document.element.body.iter(qn("w:p")):
        if any(a.tag in skip for a in p.iterancestors()):
            continue
        parts = []
        for el in p.iter(text, tab, br, cr):
            if any(a.tag in skip for a in el.iterancestors() if a is not p):
                continue
            parts.append(el.text or "" if el.tag == text else ("\t" if el.tag == tab else "\n"))
        counts.append(count_words("".join(parts)))
    return counts


def _empty_summary(**changes: Any) -> SummaryView:
    from pipeline.report.build import SummaryView
    from pipeline.report.docx import Prose

    view = SummaryView(
        ambition=Prose(""),
        strengths=[],
        improvements=[],
        priorities=Prose(""),
        others_say=Prose(""),
        lead_officer=Prose(""),
        lead_officer_post=Prose(""),
        verified_by=Prose(""),
        verified_by_post=Prose(""),
        verified_on="",
        pictures=[],
    )
    return replace(view, **changes)


def _entry(text: str, ids: tuple[str, ...] = ()) -> EntryView:
    from pipeline.report.build import EntryView
    from pipeline.report.docx import Prose, Runs, text_run

    parts = [text_run(i) for i in ids]
    evidence = Runs()
    for n, part in enumerate(parts):
        evidence = evidence + (text_run(", ") if n else Runs()) + part
    return EntryView(number=1, text=Prose(text), evidence=evidence)


@lru_cache(maxsize=8)
def _measure(
    framework: Framework, template: str, digest: str
) -> tuple[tuple[str, PrintedLayout], ...]:
    from pipeline.report.build import (
        TITLE,
        QualityStatementView,
        ReportContext,
        Stage1View,
        ThemeView,
        _template_class,
    )
    from pipeline.report.docx import Prose, Runs

    del digest  # the cache key: a template changed in place is measured again

    def render(summaries: dict[str, SummaryView], stage1: Stage1View | None = None) -> int:
        """Words in the body with these quality statements (the others left out)."""
        themes = [
            ThemeView(
                code=theme.code,
                name=Prose(theme.name),
                introduction=Prose(theme.introduction),
                quality_statements=[
                    QualityStatementView(
                        code=qs.code,
                        name=Prose(qs.name),
                        we_statement=Prose(qs.we_statement),
                        summary=summaries[qs.code],
                        stage1=stage1,
                    )
                    for qs in theme.quality_statements
                    if qs.code in summaries
                ],
            )
            for theme in framework.themes
        ]
        context = ReportContext(
            council=Prose(""),
            title=TITLE,
            date="",
            version=Prose(""),
            logo="",
            draft=False,
            draft_watermark=Runs(),
            about_us=Prose(""),
            our_strategy=Prose(""),
            our_key_strengths=Prose(""),
            our_key_risks=Prose(""),
            themes=themes,
            process=Prose(""),
            sign_off=[],
            engagement=None,
            ir_groups=[],
            register=[],
            register_parts=[],
            framework=framework.framework.title,
        )
        tpl = _template_class()(io.BytesIO(data))
        tpl.render(context.variables(), jinja_env=env, autoescape=True)
        return sum(body_words(tpl.docx))

    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    data = Path(template).read_bytes()

    codes = [qs.code for qs in framework.quality_statements]
    base = render({})
    fixed = {code: render({code: _empty_summary()}) - base for code in codes}
    everyone = sum(fixed.values())

    def added(**changes: Any) -> int:
        """What one quality statement's section gains with these fields (all nine rendered
        with the same summary, so a template that prints one differently is still seen)."""
        total = render({code: _empty_summary(**changes) for code in codes}) - base - everyone
        return total // len(codes)

    def field_layout(name: str) -> FieldLayout:
        one, two = added(**{name: Prose("x")}), added(**{name: Prose("x y")})
        return FieldLayout(_SUMMARY_KEY[name], times=two - one, extra=2 * one - two)

    fields = [field_layout(name) for name in NARRATIVES]
    # The names and posts are not in the default template; probe them one by one only when a
    # template prints any of them.
    if added(**{name: Prose("x") for name in PEOPLE}):
        fields += [f for f in (field_layout(name) for name in PEOPLE) if f.times or f.extra]

    def entry_layout(name: str) -> EntryLayout:
        empty = added(**{name: [_entry("")]})
        one = added(**{name: [_entry("x")]})
        two = added(**{name: [_entry("x y")]})
        one_id = added(**{name: [_entry("", ("EV-1",))]})
        two_ids = added(**{name: [_entry("", ("EV-1", "EV-2"))]})
        per_id = two_ids - one_id
        return EntryLayout(
            entry=empty, text=two - one, evidence_line=one_id - empty - per_id, per_id=per_id
        )

    strengths, improvements = entry_layout("strengths"), entry_layout("improvements")
    # A Stage 1 summary line "x": what the template prints with it, less its one word.
    probe = Stage1View(chart=Runs(), summary=Prose("x"))
    stage1 = (render({code: _empty_summary() for code in codes}, probe) - base - everyone) // len(
        codes
    ) - 1
    return tuple(
        (code, PrintedLayout(fixed[code], tuple(fields), strengths, improvements, stage1))
        for code in codes
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.report.printed [--write]``: whether ``SHIPPED`` holds the shipped
    template measured with the packaged framework; ``--write`` writes it (after changing the
    template, or the code that renders it)."""
    import sys

    from pipeline.framework import load_framework
    from pipeline.report import TEMPLATE
    from pipeline.resources import regenerate, template_path

    text = json.dumps(shipped_measure(load_framework(), template_path(TEMPLATE)), indent=1) + "\n"
    return regenerate({SHIPPED: text}, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())
