"""The `export` query: a table rendered as a file (the web page's downloads, the CLI's export)."""

from __future__ import annotations

from enum import Enum

import strawberry

from cityledger.export import ExportFile as FileView
from cityledger.export import build_export
from graphql_api.context import Info
from graphql_api.inputs import AsOf, as_of_value
from graphql_api.outputs import FromView, output
from graphql_api.scalars import RankingTableName
from ledger.errors import PermissionDenied
from projections import publications


@strawberry.enum(description="What an export is rendered as.")
class ExportFormat(Enum):
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "markdown"
    SVG = "svg"
    HTML = "html"


@strawberry.enum(description="Language of city names and their order.")
class Lang(Enum):
    """en: English names alphabetically; zh: Chinese names in pinyin order."""

    EN = "en"
    ZH = "zh"


@output(FileView, description="A rendered export, ready to save as a file.")
class ExportFile(FromView[FileView]):
    pass


def export_table(
    info: Info,
    edition: str,
    table: RankingTableName,
    fmt: ExportFormat,
    lang: Lang,
    publication: int | None,
    as_of: AsOf | None,
) -> ExportFile:
    """Score viewers export any cut with ranks and scores; others any publication, bands only."""
    db, scores = info.context.db, info.context.viewer.sees_scores
    if not scores and as_of is not None:
        raise PermissionDenied(
            "asOf needs an editor or auditor token; others export publications", field="asOf"
        )
    if not scores and publication is None:
        publication = publications.publication(db, edition, table=table.value).publication_no
    made = build_export(
        db, edition, table.value, fmt.value, publication=publication,
        as_of=as_of_value(as_of), lang=lang.value, scores=scores,
    )  # fmt: skip
    return ExportFile.from_view(made)
