"""Pictures pasted into a Stage 2 summary: those in the "What others say" area go into the
report with their description as alternative text; every other picture is reported, never
silently dropped."""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING

from pipeline.model.findings import Finding, warning
from pipeline.model.inputs import Located, Picture

if TYPE_CHECKING:
    from pipeline.settings import ReportSettings
    from pipeline.xlsx.cells import Picture as SheetPicture
    from pipeline.xlsx.cells import ReadWorkbook


FORMATS = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif"}


def read_pictures(
    wb: ReadWorkbook,
    rel: str,
    form_sheet: str,
    area: tuple[int, int] | None,
    qs_label: str,
    settings: ReportSettings,
) -> tuple[list[Picture], list[Finding]]:
    """The usable pictures of the form sheet whose top-left corner is in rows ``area``
    (first, last), and a finding for every picture that will not be in the report."""
    pictures: list[Picture] = []
    found: list[Finding] = []
    for sheet in wb.sheets.values():
        for pic in sheet.pictures:
            where = {"sheet": sheet.name, "cell": pic.cell}
            label = _label(pic)
            in_area = (
                sheet.name == form_sheet
                and area is not None
                and pic.row is not None
                and area[0] <= pic.row <= area[1]
            )
            if not in_area:
                place = (
                    f"on the ‘{sheet.name}’ sheet"
                    if sheet.name != form_sheet
                    else "outside the ‘What others say’ rows"
                )
                found.append(
                    warning(
                        "picture-not-placed",
                        rel,
                        f"The picture {label} is {place}, so it is not in the report. Move it "
                        "onto the ‘What others say’ rows of the form if it belongs in the "
                        "report, or delete it.",
                        **where,
                    )
                )
                continue
            checked = _check(pic, label, settings)
            if isinstance(checked, str):
                found.append(warning("picture-unusable", rel, checked, **where))
                continue
            fmt, width, height = checked
            alt = (pic.descr or pic.title).strip()
            if not alt:
                alt = f"A picture from the summary for {qs_label} (no description was given)."
                found.append(
                    warning(
                        "picture-no-description",
                        rel,
                        f"The picture {label} has no description for people who cannot see it; "
                        "the report says only that it is a picture. Right-click it, choose Edit "
                        "Alt Text (Excel) or Description (LibreOffice) and describe what it "
                        "shows.",
                        **where,
                    )
                )
            assert pic.data is not None  # _check refused pictures without data
            pictures.append(
                Picture(
                    data=pic.data,
                    format=fmt,
                    width_px=width,
                    height_px=height,
                    alt=alt,
                    at=Located(file=rel, sheet=sheet.name, cell=pic.cell),
                )
            )
    return pictures, found


def _label(pic: SheetPicture) -> str:
    name = pic.descr or pic.name
    return f"‘{name.strip()}’" if name.strip() else "pasted here"


def _check(pic: SheetPicture, label: str, settings: ReportSettings) -> tuple[str, int, int] | str:
    """(format, width, height) of a usable picture, or why it cannot be used."""
    if pic.data is None:
        return (
            f"The picture {label} cannot go into the report: {pic.problem}. Paste the picture "
            "itself (Insert › Picture)."
        )
    size = len(pic.data)
    if size > settings.picture_max_bytes:
        return (
            f"The picture {label} is too large for the report ({_mb(size)}; the limit is "
            f"{_mb(settings.picture_max_bytes)}). Paste a smaller copy (saved as JPEG, or "
            "resized), or raise report.picture_max_bytes in selfassess.toml."
        )
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(pic.data)) as img:
                fmt = img.format or ""
                width, height = img.size
                if fmt not in FORMATS:
                    return (
                        f"The picture {label} is a {fmt or 'kind of'} image, which the report "
                        "cannot take. Save it as PNG or JPEG and paste it again."
                    )
                if width * height > settings.picture_max_pixels:
                    return (
                        f"The picture {label} is too large for the report ({width} × {height} "
                        f"pixels; the limit is {settings.picture_max_pixels:,} pixels in all). "
                        "Paste a resized copy, or raise report.picture_max_pixels in "
                        "selfassess.toml."
                    )
                img.load()
        except Image.DecompressionBombError:
            return (
                f"The picture {label} is too large for the report (over "
                f"{settings.picture_max_pixels:,} pixels). Paste a resized copy."
            )
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
            return (
                f"The picture {label} cannot be read as an image ({type(e).__name__}); it may "
                "be damaged or in a format the report cannot take. Save it as PNG or JPEG and "
                "paste it again."
            )
    return FORMATS[fmt], width, height


def _mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"
