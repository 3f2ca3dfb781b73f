"""Small helpers over openpyxl's quirks: safe text, atomic saves, styles.

Everything that writes a workbook goes through here so that user text is never turned into a
formula, control characters never crash a save, and a half-written file never replaces a good one.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell


# Characters an .xlsx cannot hold (XML 1.0 forbids them); tab, LF and CR are fine.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# Text starting with these could be taken as a formula by a spreadsheet (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel's error values: openpyxl stores text that is exactly one of these as an error, not text.
ERROR_TEXTS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


_UMASK = os.umask(0)


os.umask(_UMASK)


def clean_text(text: str) -> tuple[str, list[str]]:
    """``text`` without characters a workbook cannot hold, and the ones removed (as ``U+0007``)."""
    removed = [f"U+{ord(ch):04X}" for ch in _ILLEGAL.findall(text)]
    return (_ILLEGAL.sub("", text) if removed else text), removed


# The most characters an Excel cell holds (counted as Excel counts them: UTF-16 code units, so
# an emoji counts two). LibreOffice cuts anything longer when it opens the file.
CELL_LIMIT = 32767


def split_for_cells(text: str, limit: int = CELL_LIMIT) -> list[str]:
    """``text`` in pieces that each fit in a cell, split at a space or line break near the
    limit when there is one; joined again they are exactly ``text``. One piece when it fits."""
    if len(text) <= limit // 2:
        return [text]  # fits whatever its characters (none counts more than two)
    pieces: list[str] = []
    while _units(text) > limit:
        end = limit
        while (over := _units(text[:end]) - limit) > 0:  # astral characters count twice
            end -= (over + 1) // 2
        space = max(text.rfind(" ", end - 2000, end), text.rfind("\n", end - 2000, end))
        if space > 0:
            end = space + 1
        pieces.append(text[:end])
        text = text[end:]
    pieces.append(text)
    return pieces


def _units(text: str) -> int:
    """Length in UTF-16 code units, as Excel counts a cell's characters."""
    return (
        len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF) if not text.isascii() else len(text)
    )


def write_text(cell: Cell, value: Any) -> list[str]:
    """Put a value in a cell so that text is always text (never a formula); returns removed chars.

    Strings that begin like a formula, or are an error value such as ``#N/A``, get Excel's
    quote prefix, so re-typing the cell in Excel keeps it text too.
    """
    if not isinstance(value, str):
        cell.value = value
        return []
    text, removed = clean_text(value)
    cell.value = text
    if text.startswith(FORMULA_TRIGGERS) or text in ERROR_TEXTS:
        cell.data_type = "s"
        cell.quotePrefix = True
    return removed


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it only when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    # mkstemp makes files only the owner can read; outputs are shared like any other file.
    os.chmod(tmp, 0o666 & ~_UMASK)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def save_atomic(wb: Workbook, path: Path) -> None:
    """Save a workbook so that an interrupted save leaves the previous file intact.

    The workbook is put together in memory first: openpyxl leaves its zip open when a write
    fails (a full disk), and Python then reports the failure a second time on exit."""
    import io

    buffer = io.BytesIO()
    wb.save(buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())


STYLE_FILE = "xlsx/style.toml"


def _read_style(path: Path) -> dict[str, Any]:
    import tomllib

    from pipeline.errors import SelfAssessError

    try:
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise SelfAssessError(
            f"The style file {path} is not UTF-8 text; save it as UTF-8 in your editor."
        ) from e
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise SelfAssessError(f"The style file {path} cannot be read: {e}") from e


def _check_style(values: dict[str, Any], path: Path) -> dict[str, Any]:
    """The style's values, each checked: one clear error naming the file and the setting."""
    import re

    from pipeline.errors import SelfAssessError

    problems = []
    colour = re.compile(r"[0-9A-Fa-f]{6}")
    for key, value in values.items():
        if key == "font":
            ok = isinstance(value, str) and bool(value.strip())
            expected = 'a font name in quotes, like "Arial"'
        elif key.endswith("_size"):
            ok = isinstance(value, int | float) and not isinstance(value, bool) and 4 <= value <= 72
            expected = "a number of points from 4 to 72"
        else:
            ok = isinstance(value, str) and colour.fullmatch(value) is not None
            expected = 'a colour as 6 hex digits in quotes, like "1F3864"'
        if not ok:
            problems.append(f"{key} must be {expected} (it is {value!r:.40})")
    if problems:
        raise SelfAssessError(f"The style file {path} is not valid: {'; '.join(problems)}.")
    return values


def load_style_values(path: Path, cache: Path | None = None) -> dict[str, Any]:
    """The shipped style file's settings, with those of ``path`` (a council's copy) over them.

    The defaults live only in the shipped ``templates/xlsx/style.toml``; a copy may set some
    of them. A broken file is a clear error, not a traceback; a missing shipped file is a
    packaging fault and says so. :class:`Style` makes openpyxl's styles of them;
    findings.xlsx, written without openpyxl, its own (``pipeline.xlsx.book_looks``).

    ``cache``: a folder to keep the checked values in (a workspace's ``checked_cache``): the
    next run with the same style files (byte for byte, and the same selfassess) reads them
    from there, without importing tomllib (a few ms of every ``collect``: issue 13).
    """
    from pipeline.errors import SelfAssessError
    from pipeline.resources import template_path

    shipped = template_path(STYLE_FILE)
    if not shipped.is_file():
        raise SelfAssessError(
            f"selfassess is installed without its workbook style file (looked for {shipped}). "
            "This is a packaging fault, not a problem with your files: reinstall selfassess."
        )
    if cache is None:
        return _style_values(path, shipped)
    from pipeline import datafile

    try:
        own = b"" if path.resolve() == shipped.resolve() else path.read_bytes()
        files = [datafile.digest(shipped.read_bytes()), datafile.digest(own)]
    except OSError:
        return _style_values(path, shipped)  # which says what is wrong
    key = datafile.key([datafile.code_digest(__file__), "style", *files])
    kept = cache / "style.json"
    found = datafile.load_data(kept, key)
    if isinstance(found, dict):
        return found
    values = _style_values(path, shipped)
    datafile.store(kept, key, values)
    return values


def _style_values(path: Path, shipped: Path) -> dict[str, Any]:
    """The style's values read from the files and checked (see :func:`load_style_values`)."""
    from pipeline.errors import SelfAssessError

    defaults = _check_style(_read_style(shipped), shipped)
    if path.resolve() == shipped.resolve():
        return defaults
    if not path.is_file():
        raise SelfAssessError(f"The style file {path} does not exist.")
    values = _read_style(path)
    unknown = sorted(set(values) - set(defaults))
    if unknown:
        raise SelfAssessError(f"The style file {path} has unknown settings: {unknown}")
    return {**defaults, **_check_style(values, path)}


class Style:
    """The look of generated workbooks, from ``templates/xlsx/style.toml`` (a council may edit)."""

    def __init__(self, values: dict[str, Any]) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.values = values
        font, size = values["font"], values["font_size"]
        self.body = Font(name=font, size=size)
        self.bold = Font(name=font, size=size, bold=True)
        self.note = Font(name=font, size=size - 1, italic=True, color=values["note_colour"])
        self.title = Font(
            name=font, size=values["title_size"], bold=True, color=values["title_colour"]
        )
        self.heading = Font(
            name=font, size=values["heading_size"], bold=True, color=values["title_colour"]
        )
        self.header = Font(name=font, size=size, bold=True, color=values["header_font_colour"])
        self.link = Font(name=font, size=size, underline="single", color="0563C1")
        self.warning = Font(name=font, size=size, bold=True, color=values["warning_colour"])
        self.header_fill = PatternFill("solid", fgColor=values["header_fill"])
        self.label_fill = PatternFill("solid", fgColor=values["label_fill"])
        self.input_fill = PatternFill("solid", fgColor=values["input_fill"])
        side = Side(style="thin", color=values["border_colour"])
        self.border = Border(left=side, right=side, top=side, bottom=side)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.wrap_center = Alignment(wrap_text=True, vertical="top", horizontal="center")

    @classmethod
    def load(cls, path: Path) -> Style:
        """The style of ``path`` (see :func:`load_style_values`)."""
        return cls(load_style_values(path))

    def text(self, cell: Cell, value: Any, font: Any = None, wrap: bool = True) -> list[str]:
        """Write a value with the body font (or ``font``), wrapped at the top of the cell."""
        removed = write_text(cell, value)
        cell.font = font or self.body
        if wrap:
            cell.alignment = self.wrap
        return removed

    def labelled(self, cell: Cell, label: str, text: str) -> None:
        """A bold label on its own line, then the text, in one wrapped cell (rich text)."""
        from openpyxl.cell.rich_text import CellRichText, TextBlock
        from openpyxl.cell.text import InlineFont

        v = self.values
        bold = InlineFont(rFont=v["font"], sz=v["font_size"], b=True, color=v["title_colour"])
        plain = InlineFont(rFont=v["font"], sz=v["font_size"])
        cell.value = CellRichText(
            TextBlock(bold, label + "\n"), TextBlock(plain, clean_text(text)[0])
        )
        cell.alignment = self.wrap

    def input(self, cell: Cell) -> None:
        """Mark a cell as one people fill in: unlocked, shaded, bordered."""
        from openpyxl.styles import Protection

        cell.protection = Protection(locked=False)
        cell.fill = self.input_fill
        cell.border = self.border
        cell.font = self.body
        cell.alignment = self.wrap

    def header_row(self, ws: Any, row: int, labels: list[str]) -> None:
        for col, label in enumerate(labels, start=1):
            cell = ws.cell(row=row, column=col)
            self.text(cell, label, self.header)
            cell.fill = self.header_fill
            cell.border = self.border


def row_height(texts: list[tuple[str, float]], line_height: float = 15.0) -> float:
    """A row height (points) that shows every (text, column width) pair when wrapped.

    Spreadsheets do not grow rows for wrapped text in merged cells, so we estimate.
    """
    import math

    lines = 1
    for text, width in texts:
        per_line = max(int(width * 1.05), 10)
        n = sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))
        lines = max(lines, n)
    return min(409.0, lines * line_height + 4)


# Page margins (inches) for every sheet the tool writes. The header and footer sit inside the top
# and bottom margins with room for a line of text, so the page header (the council's name) never
# prints over the repeated heading rows, nor the footer over the last row (LibreOffice takes the
# header's height from the gap between the two).
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.8, "bottom": 0.8, "header": 0.3, "footer": 0.3}
# The footer of every printed page, centred: the sheet's name and the page.
FOOTER = "&A — page &P of &N"


def print_setup(
    ws: Any,
    repeat_rows: str | None = None,
    fit_width: bool = True,
    orientation: str = "landscape",
) -> None:
    """A4 (landscape unless told), fitted to the page width, header rows repeated on every page.

    The margins are ``MARGINS``: the header and footer inside the page margins."""
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    for side, inches in MARGINS.items():
        setattr(ws.page_margins, side, inches)
    if repeat_rows:
        ws.print_title_rows = repeat_rows
    ws.oddFooter.center.text = FOOTER


class Pages:
    """Where printed pages break on a sheet, estimated from its row heights, with every break
    placed by the tool (a manual break), so where each page starts is known: a section starts a
    new page only when it would not fit on the current one (whole, if it fits on a page;
    otherwise what it needs to start with: its heading and first rows) and that page is at
    least a third full, then runs on, a page breaking before the first row that does not fit.
    Headings stay with their first rows, a table's header row is printed again at the top of
    every page it runs onto (``table``), and no page is left nearly empty.

    A page holds its printable height (``MARGINS``, less ``repeated``: the height of the rows
    printed at the top of every page) over the fit-to-width scale as Excel prints it, for a
    sheet ``width_chars`` wide, with 5% to spare (LibreOffice draws characters wider, so shrinks
    the sheet more and fits more on a page: a break placed for Excel comes before LibreOffice's
    own, and a section that fits in Excel fits there too)."""

    def __init__(
        self, ws: Any, width_chars: float, orientation: str = "landscape", repeated: float = 0.0
    ) -> None:
        across, down = (11.69, 8.27) if orientation == "landscape" else (8.27, 11.69)
        printable_width = (across - MARGINS["left"] - MARGINS["right"]) * 72
        printable_height = (down - MARGINS["top"] - MARGINS["bottom"]) * 72
        sheet_width = (width_chars * 7 + 5) * 0.75  # Excel: about 7 pixels a character
        scale = min(1.0, printable_width / sheet_width)
        self.ws, self.start = ws, 1
        self.sections: list[int] = []  # the rows where sections start
        self.moved_to = 0  # the row a section was last moved to a new page at (0: none)
        self.capacity = 0.95 * printable_height / scale - repeated

    def height(self, first: int, last: int) -> float:
        """The printed height of rows ``first`` to ``last - 1`` (points, before scaling)."""
        dims = self.ws.row_dimensions
        total = 0.0
        for r in range(first, last):
            height = dims[r].height if r in dims else None
            total += 15.0 if height is None else height
        return total

    def keep(self, row: int, end: int, need: float | None = None) -> None:
        """Rows ``row`` to ``end - 1`` are a section (``need``: the height it needs to start
        with, if not all of it): start it on a new page unless it fits on the current one
        (``place``), then break before each of its rows that does not fit on its page."""
        section = self.height(row, end) if need is None else need
        first = section if need is not None else self.height(row, min(end, row + 2))
        self.place(row, min(section, self.capacity), first)
        used = self.height(self.start, row)
        for r in range(row, end):
            height = self.height(r, r + 1)
            if used + height > self.capacity and r > self.start:
                self.new_page(r)
                used = 0.0
            used += height

    def table(self, row: int, header: int, body: list[float], first: int = 2) -> list[int]:
        """A table: its heading from ``row``, its header row ``header`` (both written), then
        body rows of the heights ``body``, to be written from ``header + 1`` with a copy of the
        header row before each body row whose index (from 0) this returns, so that every page
        the table runs onto starts with its header row. The table starts a new page unless it
        fits whole on the current one, or, when longer than a page, unless its heading, header
        and ``first`` rows do (``place``)."""
        lead = self.height(row, header + 1)
        whole, start = lead + sum(body), lead + sum(body[:first])
        self.place(row, whole if whole <= self.capacity else start, start)
        header_height = self.height(header, header + 1)
        used, on_page = self.height(self.start, header + 1), 0
        copies: list[int] = []
        for i, height in enumerate(body):
            if used + height > self.capacity and on_page:
                self.new_page(header + 1 + i + len(copies))  # the copy's row
                copies.append(i)
                used, on_page = header_height, 0
            used += height
            on_page += 1
        return copies

    def place(self, row: int, need: float, first: float) -> None:
        """Start a section at ``row`` on a new page unless the ``need`` points it needs fit on
        the current one, or the current page is less than a third full and its ``first`` rows
        fit (then it runs on from there, rather than leave a nearly empty page)."""
        self.sections.append(row)
        used = self.height(self.start, row)
        if used + need <= self.capacity:
            return
        if used < self.capacity / 3 and used + first <= self.capacity:
            return
        self.new_page(row)
        self.moved_to = self.start

    def finish(self, end: int, share: float = 0.25) -> None:
        """The sheet ends before row ``end``: when its last page would hold less than
        ``share`` of a page, and it starts where a section was moved to a new page, break
        instead before an earlier section of the page before (the latest that leaves the last
        page at least ``share`` full and fits on it), so that the two share the rows."""
        if self.moved_to != self.start or self.height(self.start, end) >= share * self.capacity:
            return
        page_starts = [1, *(b.id + 1 for b in self.ws.row_breaks.brk)]
        before = page_starts[-2] if len(page_starts) > 1 else 1
        for row in reversed([r for r in self.sections if before < r < self.start]):
            if self.height(row, end) > self.capacity:
                return
            if self.height(row, end) >= share * self.capacity:
                self.ws.row_breaks.brk[-1].id = row - 1
                self.start = self.moved_to = row
                return

    def new_page(self, row: int) -> None:
        """A page break before ``row`` (none before the sheet's first row or twice)."""
        if row > self.start:
            self.ws.row_breaks.append(self._break(row - 1))
            self.start = row

    def _break(self, row: int) -> Any:
        """A manual break after ``row``, of the kind the sheet's breaks hold: openpyxl's, or
        those of a sheet written without openpyxl (``row_breaks.new_break``)."""
        new_break = getattr(self.ws.row_breaks, "new_break", None)
        if new_break is not None:
            return new_break(row)
        from openpyxl.worksheet.pagebreak import Break

        return Break(id=row)

    def fit_last_page(self, end: int, share: float = 0.25, most: float = 0.15) -> None:
        """For a sheet with no manual breaks, ending before row ``end``: when its last printed
        page would hold less than ``share`` of a page and the sheet fits on one page fewer
        shrunk by at most ``most``, print it on one page fewer (fitted to that many pages
        tall), not leave a nearly empty page."""
        import math

        total = self.height(1, end)
        pages = math.ceil(total / self.capacity)
        if self.ws.row_breaks.brk or pages < 2:
            return
        fewer = (pages - 1) * self.capacity
        if total - fewer < share * self.capacity and total <= fewer * (1 + most):
            self.ws.page_setup.fitToHeight = pages - 1


def protect(ws: Any) -> None:
    """Protect a sheet without a password: a deterrent against editing labels, not security."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = True


def list_validation(ws: Any, cells: str, options: list[str], title: str, prompt: str) -> None:
    """A dropdown of ``options`` on ``cells`` that refuses anything else."""
    from openpyxl.worksheet.datavalidation import DataValidation

    joined = ",".join(options)
    if len(joined) > 255 or any(('"' in o or "," in o) for o in options):
        raise ValueError("dropdown options must be short and contain no commas or quotes")
    dv = DataValidation(
        type="list",
        formula1=f'"{joined}"',
        allow_blank=True,
        showDropDown=False,  # (sic) openpyxl: False *shows* the in-cell arrow
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="Choose from the list",
        error="Please choose one of the options in the list.",
        promptTitle=title[:32],
        prompt=prompt[:255],
    )
    ws.add_data_validation(dv)
    dv.add(cells)
