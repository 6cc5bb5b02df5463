"""Exports of a ranking table (CSV, JSON, Markdown, SVG, HTML), with a header naming its cut."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlite_utils import Database

from cityledger.export_formats import EXTENSIONS, FORMATS, MEDIA_TYPES
from ledger import validate
from ledger.doc import Doc
from ledger.errors import InvalidInput, UnknownId
from projections import catalogue, publications
from projections.bands import BAND_LABELS, ZH_BANDS
from projections.exact import display_decimal
from projections.ranking import RankingEntry
from projections.rankings import AsOf, RankingView, rankings
from projections.report import columns, ordered

ILLUSTRATIVE_NOTE = (
    "The bands of the published tables are the report's; the claims, votes and scores behind "
    "them are illustrative."
)
ILLUSTRATIVE_MARK = "[illustrative]"


@dataclass(frozen=True)
class ExportHeader:
    """What an export shows: which table, cut where, pinned by which digest, made when."""

    edition: str
    edition_title: str
    table: str
    publication: int | None
    position: int
    digest: str
    time: str | None
    exported_at: str
    lang: str
    note: str | None


@dataclass(frozen=True)
class ExportFile:
    """A rendered export: a file name, its media type and its text."""

    filename: Annotated[str, Doc("A file name for it.")]
    media_type: Annotated[str, Doc("Its media type, like text/csv.")]
    content: Annotated[str, Doc("The file's text.")]


def is_illustrative(db: Database, edition_id: str) -> bool:
    """Whether the edition's evidence is the illustrative reference data (sources say so)."""
    # The sources are in each submission's stored body (the claims table keeps no copy).
    row = db.execute(
        "SELECT 1 FROM claims c JOIN event_bodies b ON b.position = c.submitted_position "
        "WHERE c.edition_id = ? AND b.stored LIKE ? LIMIT 1",
        [edition_id, f"%{ILLUSTRATIVE_MARK}%"],
    ).fetchone()
    return row is not None


def digest_at(db: Database, position: int) -> str:
    """The chain hash of the log up to a position ("" for the empty log)."""
    row = db.execute("SELECT hash FROM events WHERE position = ?", [position]).fetchone()
    return str(row[0]) if row else ""


def cut_table(
    db: Database, edition: str, table: str, publication: int | None, as_of: AsOf
) -> tuple[RankingView, int | None, str]:
    """The table at a publication (by number) or as of a point; with its publication and digest."""
    if publication is not None and as_of is not None:
        raise InvalidInput("give a publication or an as-of point, not both", field="publication")
    if publication is None:
        view = rankings(db, edition, table, as_of)
        return view, None, digest_at(db, view.position)
    found = [p for p in publications.publications(db, edition) if p.publication_no == publication]
    if not found:
        catalogue.edition(db, edition)
        known = [str(p.publication_no) for p in publications.publications(db, edition)]
        raise UnknownId(
            f"edition {edition!r} has no publication {publication} "
            f"(known: {', '.join(known) or 'none'})",
            field="publication",
            value=publication,
        )
    pub = found[0]
    if table not in pub.tables:
        raise UnknownId(
            f"publication {publication} of {edition!r} does not include the {table} table",
            field="table",
            value=table,
        )
    return rankings(db, edition, table, pub.position), publication, pub.digest


def build_export(
    db: Database,
    edition: str,
    table: str,
    fmt: str,
    *,
    publication: int | None = None,
    as_of: AsOf = None,
    lang: str = "en",
    scores: bool = True,
    now: datetime | None = None,
) -> ExportFile:
    """Render a table at a cut in one format; scores (with ranks) only when `scores`."""
    validate.one_of("format", fmt, FORMATS)
    if lang not in ("en", "zh"):
        raise InvalidInput(f"lang {lang!r} is not en or zh", field="lang", value=lang)
    view, pub_no, digest = cut_table(db, edition, table, publication, as_of)
    header = ExportHeader(
        edition=edition,
        edition_title=catalogue.edition(db, edition).title,
        table=table,
        publication=pub_no,
        position=view.position,
        digest=digest,
        time=view.time,
        exported_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        lang=lang,
        note=ILLUSTRATIVE_NOTE if is_illustrative(db, edition) else None,
    )
    cut = f"p{pub_no}" if pub_no is not None else f"at{view.position}"
    return ExportFile(
        filename=f"{edition}-{table}-{cut}-{lang}.{EXTENSIONS[fmt]}",
        media_type=MEDIA_TYPES[fmt],
        content=RENDERERS[fmt](header, bands(view.rows, lang), scores),
    )


def bands(rows: Sequence[RankingEntry], lang: str) -> list[tuple[str, list[RankingEntry]]]:
    """Each band's cities in the report's order for the language, top band first."""
    return [(label, ordered([r for r in rows if r.band == label], lang)) for label in BAND_LABELS]


def _label(band: str, lang: str) -> str:
    return ZH_BANDS[band] if lang == "zh" else band


def _name(row: RankingEntry, lang: str) -> str:
    return row.name_zh if lang == "zh" else row.name_en


def _cut_text(h: ExportHeader) -> str:
    return f"publication {h.publication}" if h.publication is not None else "live table"


def _header_lines(h: ExportHeader) -> list[tuple[str, str]]:
    pairs = [
        ("edition", f"{h.edition} ({h.edition_title})"),
        ("table", h.table),
        ("cut", f"{_cut_text(h)} at ledger position {h.position}"),
        ("digest", h.digest or "-"),
        ("time of position", h.time or "-"),
        ("exported at", h.exported_at),
    ]
    return [*pairs, ("note", h.note)] if h.note else pairs


def _records(bands_: list[tuple[str, list[RankingEntry]]], scores: bool) -> list[dict[str, Any]]:
    out = []
    for band, members in bands_:
        for r in members:
            record: dict[str, Any] = {
                "band": band, "city_id": r.city_id, "name_en": r.name_en, "name_zh": r.name_zh,
            }  # fmt: skip
            if scores:
                record |= {
                    "rank": r.rank,
                    "score": display_decimal(r.score, 2),
                    "score_exact": str(r.score),
                }
            out.append(record)
    return out


def render_csv(h: ExportHeader, bands_: list[tuple[str, list[RankingEntry]]], scores: bool) -> str:
    """Comment lines (`# key: value`) with the header, then one CSV row per city."""
    out = io.StringIO()
    for key, value in _header_lines(h):
        out.write(f"# {key}: {value}\n")
    fields = ["band", "city_id", "name_en", "name_zh"] + (
        ["rank", "score", "score_exact"] if scores else []
    )
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_records(bands_, scores))
    return out.getvalue()


def render_json(h: ExportHeader, bands_: list[tuple[str, list[RankingEntry]]], scores: bool) -> str:
    """`{"header": {...}, "rows": [...]}`; exact scores as "p/q" strings beside the decimal."""
    body = {"header": asdict(h), "rows": _records(bands_, scores)}
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def _cell(r: RankingEntry | None, lang: str, scores: bool) -> str:
    if r is None:
        return ""
    text = _name(r, lang)
    return f"{text} (#{r.rank}, {display_decimal(r.score, 2)} = {r.score})" if scores else text


def render_markdown(
    h: ExportHeader, bands_: list[tuple[str, list[RankingEntry]]], scores: bool
) -> str:
    """The header as a list, then each band as a two-column table, as the report prints it."""
    lines = [f"# {h.edition} · {h.table}", ""]
    lines += [f"- **{key}**: {value}" for key, value in _header_lines(h)]
    for band, members in bands_:
        lines += ["", f"## {_label(band, h.lang)} ({len(members)})", "", "| | |", "| --- | --- |"]
        for left, right in columns(members, None):
            cells = (_cell(left, h.lang, scores), _cell(right, h.lang, scores))
            lines.append(f"| {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


# The report's band colours, darkest for the top band.
BAND_COLOURS = {
    "top 10%": "#0b4f6c",
    "10%-30%": "#1f7a8c",
    "30%-60%": "#5fa8b8",
    "60%-100%": "#a9d3dc",
}
SVG_FONT = "font-family=\"'Noto Sans', 'Noto Sans CJK SC', sans-serif\""


def render_svg(h: ExportHeader, bands_: list[tuple[str, list[RankingEntry]]], scores: bool) -> str:
    """The bands as the report draws them: a coloured band title, then two columns of names."""
    esc: Callable[[str], str] = html.escape
    width, row_h, col_w = 760, 20, 360
    out: list[str] = []
    y = 30
    title = f"{h.edition} · {h.table} · {_cut_text(h)} (position {h.position})"
    out.append(f'<text x="20" y="{y}" font-size="18" font-weight="bold">{esc(title)}</text>')
    y += 20
    out.append(f'<text x="20" y="{y}" font-size="11">digest {esc(h.digest or "-")}</text>')
    if h.note:
        y += 16
        out.append(f'<text x="20" y="{y}" font-size="11" font-style="italic">{esc(h.note)}</text>')
    y += 16
    for band, members in bands_:
        y += 12
        colour = BAND_COLOURS[band]
        out.append(f'<rect x="20" y="{y}" width="{width - 40}" height="24" fill="{colour}"/>')
        label = f"{_label(band, h.lang)} ({len(members)})"
        out.append(
            f'<text x="30" y="{y + 17}" font-size="14" fill="#fff" font-weight="bold">'
            f"{esc(label)}</text>"
        )
        y += 24
        for left, right in columns(members, None):
            y += row_h
            for i, r in enumerate((left, right)):
                if r is not None:
                    x = 30 + i * col_w
                    out.append(
                        f'<text x="{x}" y="{y - 5}" font-size="13">{esc(_cell(r, h.lang, scores))}'
                        "</text>"
                    )
        y += 6
    height = y + 20
    desc = f"{h.edition} {h.table}: " + "; ".join(
        f"{band}: {', '.join(_name(r, h.lang) for r in members)}" for band, members in bands_
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" {SVG_FONT}>\n'
        f"<title>{esc(title)}</title>\n<desc>{esc(desc)}</desc>\n"
        f'<rect width="{width}" height="{height}" fill="#fff"/>\n' + "\n".join(out) + "\n</svg>\n"
    )


def render_html(h: ExportHeader, bands_: list[tuple[str, list[RankingEntry]]], scores: bool) -> str:
    """A standalone page: the header as a definition list, each band a two-column table."""
    esc = html.escape
    parts = [
        f'<!doctype html>\n<html lang="{h.lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(h.edition)} · {esc(h.table)}</title>\n</head>\n<body>\n"
        f"<h1>{esc(h.edition)} · {esc(h.table)}</h1>\n<dl>"
    ]
    for key, value in _header_lines(h):
        parts.append(f"<dt>{esc(key)}</dt><dd>{esc(value)}</dd>")
    parts.append("</dl>")
    for band, members in bands_:
        label = f"{_label(band, h.lang)} ({len(members)})"
        parts.append(f'<table data-band="{esc(band)}">\n<caption>{esc(label)}</caption>')
        for left, right in columns(members, None):
            cells = "".join(f"<td>{esc(_cell(r, h.lang, scores))}</td>" for r in (left, right))
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


RENDERERS: dict[str, Callable[[ExportHeader, list[tuple[str, list[RankingEntry]]], bool], str]] = {
    "csv": render_csv,
    "json": render_json,
    "markdown": render_markdown,
    "svg": render_svg,
    "html": render_html,
}
