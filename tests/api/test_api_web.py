"""The web page's server side: static files, GraphiQL without a CDN, the export query, pinyin."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from starlette.testclient import TestClient

from projections.report import ordered
from tests.api.api_world import EDITION, Gql, Tokens, codes
from tests.support.builders import entries_of

EXPORT = """query E($f: ExportFormat!, $p: Int, $a: AsOf, $l: Lang! = EN) {
  export(edition: "asia-2023", table: TOTAL, format: $f, publication: $p, asOf: $a, lang: $l) {
    filename mediaType content } }"""


class Links(HTMLParser):
    """Every src and href of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect src and href values."""
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


def links(html: str) -> list[str]:
    """The URLs a page loads or links to."""
    parser = Links()
    parser.feed(html)
    return parser.urls


def test_graphiql_references_no_host_but_its_own_and_every_asset_is_served(
    client: TestClient,
) -> None:
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    urls = links(page.text)
    assert urls
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme in ("", "data") and not parts.netloc, url
        if parts.scheme == "":
            assert client.get(url).status_code == 200, url
    assert not re.search(r"https?://", page.text), "the page names another host"
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_the_web_page_is_served_at_the_root_with_only_its_own_assets(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    for url in links(page.text):
        parts = urlsplit(url)
        assert not parts.netloc, url
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url
    script = client.get("/static/app.js").text
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", script)


def test_anonymous_exports_a_publication_with_bands_only_and_its_digest(gql: Gql) -> None:
    body = gql(EXPORT, {"f": "CSV"})
    file = body["data"]["export"]
    digest = gql(f'{{ publications(edition: "{EDITION}") {{ digest }} }}')["data"]
    assert file["mediaType"] == "text/csv" and file["filename"].endswith("-p1-en.csv")
    assert f"# digest: {digest['publications'][-1]['digest']}" in file["content"]
    header = next(x for x in file["content"].splitlines() if not x.startswith("#"))
    assert header == "band,city_id,name_en,name_zh"


def test_anonymous_may_not_export_as_of_a_point(gql: Gql) -> None:
    body = gql(EXPORT, {"f": "JSON", "a": {"position": 5}})
    assert codes(body) == ["PERMISSION_DENIED"] and body["data"] is None


def test_an_auditor_exports_any_point_with_ranks_and_exact_scores(gql: Gql, tokens: Tokens) -> None:
    import json

    body = gql(EXPORT, {"f": "JSON", "a": {"position": 30}}, token=tokens.auditor)
    doc = json.loads(body["data"]["export"]["content"])
    assert doc["header"]["position"] == 30 and doc["header"]["publication"] is None
    assert all({"rank", "score", "score_exact"} <= set(row) for row in doc["rows"])


def test_an_unknown_publication_is_refused_naming_the_known_ones(gql: Gql) -> None:
    body = gql(EXPORT, {"f": "CSV", "p": 9})
    assert codes(body) == ["UNKNOWN_ID"]
    assert "known: 1" in body["errors"][0]["message"]


def test_sorting_by_the_pinyin_field_gives_the_reports_chinese_order(gql: Gql) -> None:
    rows = gql(
        '{ rankings(edition: "asia-2023", table: TOTAL) '
        "{ rows { cityId nameEn nameZh band city { pinyin } } } }"
    )["data"]["rankings"]["rows"]
    # What the page does: toneless pinyin, then with tones, then characters, then id.
    by_page = sorted(
        rows,
        key=lambda r: (re.sub("[0-9]", "", r["city"]["pinyin"]), r["city"]["pinyin"], r["nameZh"],
                       r["cityId"]),
    )  # fmt: skip
    entries = entries_of(rows)
    assert [r["cityId"] for r in by_page] == [e.city_id for e in ordered(entries, "zh")]
