"""The web page and GraphiQL in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.api.api_world import EDITION, EDITION_B
from tests.web.conftest import Site, shot

#: A current table with the given row fields (auditors add ranks and scores).
TABLE = '{{ rankings(edition: "' + EDITION + '", table: TOTAL) {{ rows {{ {fields} }} }} }}'


def gql(site: Site, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    """Ask the API directly (what the page shows must equal this)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(
        f"{site.base}/graphql", json={"query": query, "variables": variables}, headers=headers
    ).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def api_bands(site: Site, token: str | None = None, position: int | None = None) -> dict[str, str]:
    """city id → band, as the API answers for the viewer (at a position, for auditors)."""
    as_of = "" if position is None else f", asOf: {{position: {position}}}"
    data = gql(
        site,
        f'{{ rankings(edition: "{EDITION}", table: TOTAL{as_of}) {{ rows {{ cityId band }} }} }}',
        token,
    )
    return {r["cityId"]: r["band"] for r in data["rankings"]["rows"]}


def shown_bands(page: Any) -> dict[str, str]:
    """city id → band of every city cell on the page."""
    cells = page.eval_on_selector_all(
        "#ranking td[data-city]", "cells => cells.map(c => [c.dataset.city, c.dataset.band])"
    )
    return dict(cells)


def open_table(page: Any, site: Site, query: str = "") -> None:
    """Open the table view and wait until the table is drawn."""
    page.goto(f"{site.base}/#/{query}")
    page.wait_for_selector("body[data-ready=table] #ranking")


def sign_in(page: Any, token: str) -> None:
    """Sign in through the form, as a person would."""
    page.fill("#token", token)
    page.press("#token", "Enter")
    page.wait_for_selector("body:not([data-role=anonymous])[data-role]")
    assert "signed in" in page.locator("#who").inner_text()
    page.wait_for_selector("body[data-ready=table] #ranking td .score")


def test_graphiql_loads_every_asset_from_its_own_host_and_shows_the_editor(
    page: Any, site: Site
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{site.base}/graphql")
    page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=20000)
    page.wait_for_selector(
        ".graphiql-plugin, [aria-label='Show GraphiQL Explorer']", state="attached"
    )
    shot(page, "graphiql")
    own = urlsplit(site.base).netloc
    foreign = [u for u in requested if urlsplit(u).scheme in ("http", "https", "ws", "wss")
               and urlsplit(u).netloc != own]  # fmt: skip
    assert requested and not foreign, foreign
    assert any(u.endswith("/static/vendor/graphiql.min.js") for u in requested)


def band_columns(page: Any, band: str) -> tuple[list[str], list[str]]:
    """The names in a band's left and right columns of the table, top to bottom."""
    rows = f'#ranking tbody[data-band="{band}"] tr'
    text = "as => as.map(a => a.textContent)"
    return (
        page.eval_on_selector_all(f"{rows} td:first-child a", text),
        page.eval_on_selector_all(f"{rows} td:nth-child(2) a", text),
    )


def test_the_bands_shown_equal_the_apis_and_each_band_is_in_report_order(
    page: Any, site: Site
) -> None:
    open_table(page, site)
    assert shown_bands(page) == api_bands(site)
    assert page.locator("#ranking .score").count() == 0  # anonymous: bands only
    published = gql(site, "{ publications { editionId publicationNo } }")["publications"]
    overview = page.locator("#editions").text_content()
    assert len(published) == 2 and all(f"No. {p['publicationNo']}" in overview for p in published)
    # English: each band's two columns read alphabetically down the left, then the right.
    for band in page.eval_on_selector_all("#ranking tbody", "bs => bs.map(b => b.dataset.band)"):
        left, right = band_columns(page, band)
        names = left + right
        assert names == sorted(names, key=str.casefold) and len(left) - len(right) in (0, 1)
    shot(page, "table-anonymous")


def test_chinese_names_follow_pinyin_order_as_the_report_prints_them(page: Any, site: Site) -> None:
    from projections.report import ordered
    from tests.support.builders import entries_of

    open_table(page, site, "?lang=zh")
    rows = gql(
        site,
        TABLE.format(fields="cityId nameEn nameZh band"),
    )
    entries = entries_of(rows["rankings"]["rows"])
    for band in {e.band for e in entries}:
        expected = [e.name_zh for e in ordered([e for e in entries if e.band == band], "zh")]
        half = (len(expected) + 1) // 2
        left, right = band_columns(page, band)
        assert (left, right) == (expected[:half], expected[half:])
    shot(page, "table-zh")


def test_a_signed_in_auditor_sees_ranks_and_exact_scores_and_the_token_stays_in_the_session(
    page: Any, site: Site
) -> None:
    open_table(page, site)
    sign_in(page, site.tokens.auditor)
    data = gql(
        site,
        TABLE.format(fields="cityId rank score { fraction decimal }"),
        site.tokens.auditor,
    )
    for row in data["rankings"]["rows"]:
        cell = page.locator(f'#ranking td[data-city="{row["cityId"]}"]')
        assert cell.locator(".rank").inner_text() == f"#{row['rank']}"
        score = cell.locator(".score")
        assert score.inner_text() == row["score"]["decimal"]
        assert score.get_attribute("title") == f"exact: {row['score']['fraction']}"
    stored = page.evaluate(
        "[sessionStorage.getItem('cityledger.token'), document.cookie,"
        " Object.values(localStorage).join(' ')]"
    )
    assert stored[:2] == [site.tokens.auditor, ""] and site.tokens.auditor not in stored[2]
    shot(page, "table-auditor")


def test_sliding_to_an_earlier_position_shows_the_table_as_of_then(page: Any, site: Site) -> None:
    open_table(page, site)
    sign_in(page, site.tokens.auditor)
    first = gql(site, f'{{ publications(edition: "{EDITION}") {{ position }} }}')["publications"][0]
    earlier = first["position"]
    assert api_bands(site, site.tokens.auditor, earlier) != api_bands(site, site.tokens.auditor)
    slider = page.locator("#asof")
    slider.focus()
    slider.fill(str(earlier))
    page.wait_for_selector(f'#ranking[data-position="{earlier}"]')
    assert shown_bands(page) == api_bands(site, site.tokens.auditor, earlier)
    # The keyboard moves it too (the slider keeps the focus): one step right is the next one.
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(f'#ranking[data-position="{earlier + 1}"]')
    assert shown_bands(page) == api_bands(site, site.tokens.auditor, earlier + 1)
    shot(page, "table-as-of")


def test_a_city_page_shows_its_band_history_and_points_times_weights(page: Any, site: Site) -> None:
    open_table(page, site)
    sign_in(page, site.tokens.auditor)
    link = page.locator('#ranking td[data-city="beijing"] a')
    link.focus()
    page.keyboard.press("Enter")  # keyboard navigation reaches the city
    page.wait_for_selector("body[data-ready=city] #indicators")
    assert "Beijing" in page.locator("#city-title").inner_text()
    chart = page.locator("svg#band-history")
    assert chart.get_attribute("role") == "img"
    assert "publication 1" in page.locator("#history-svg-desc").text_content()
    history = gql(
        site, '{ cityHistory(city: "beijing") { entries { publicationNo } } }', site.tokens.auditor
    )["cityHistory"]["entries"]
    assert chart.locator("circle").count() == len(history) == 3  # two publications and now
    score = gql(
        site,
        TABLE.format(fields="cityId score { fraction }"),
        site.tokens.auditor,
    )
    exact = next(r for r in score["rankings"]["rows"] if r["cityId"] == "beijing")["score"]
    total = page.locator("#indicators tfoot .score").get_attribute("title")
    assert total == f"exact: {exact['fraction']}"
    broadband = page.locator('#indicators tr[data-indicator="broadband"]')
    assert "c-bj-bb" in broadband.inner_text()
    shot(page, "city-beijing")


def test_the_edition_comparison_draws_the_transition_flow_with_its_verdict(
    page: Any, site: Site
) -> None:
    open_table(page, site)
    sign_in(page, site.tokens.auditor)
    page.goto(f"{site.base}/#/compare?a={EDITION}&b={EDITION_B}&table=total&at=now")
    page.wait_for_selector("body[data-ready=compare] svg#flow")
    cmp = gql(
        site,
        f'{{ compareEditions(a: "{EDITION}", b: "{EDITION_B}", table: TOTAL, at: NOW) '
        "{ comparable rows { bandA bandB } matrix { fromBand cells { toBand count } } } }",
        site.tokens.auditor,
    )["compareEditions"]
    flows = sorted(
        [row["fromBand"], cell["toBand"]]
        for row in cmp["matrix"]
        for cell in row["cells"]
        if cell["count"] and row["fromBand"] != "entered" and cell["toBand"] != "left"
    )
    cells = page.eval_on_selector_all(
        "#matrix tbody td", "tds => tds.map(t => Number(t.textContent))"
    )
    assert sum(cells) == len(cmp["rows"])  # the 4×4 part counts the common cities
    paths = page.eval_on_selector_all(
        "svg#flow path", "ps => ps.map(p => [p.dataset.from, p.dataset.to])"
    )
    assert sorted(paths) == flows
    verdict = page.locator("#verdict").inner_text()
    assert verdict.startswith("Comparable" if cmp["comparable"] else "Not comparable")
    assert page.locator("svg#flow desc").text_content()
    shot(page, "compare")


def test_the_download_buttons_give_the_export_with_its_header(page: Any, site: Site) -> None:
    open_table(page, site)
    with page.expect_download() as info:
        page.click('button[data-format="csv"]')
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    digest = gql(site, f'{{ publications(edition: "{EDITION}") {{ digest }} }}')["publications"][-1]
    assert download.suggested_filename.startswith(f"{EDITION}-total-p2")
    assert text.startswith(f"# edition: {EDITION}")
    assert f"# digest: {digest['digest']}" in text
    columns = next(line for line in text.splitlines() if not line.startswith("#"))
    assert columns == "band,city_id,name_en,name_zh"  # anonymous: bands only


def test_a_city_page_explains_why_the_city_moved_since_the_last_publication(
    page: Any, site: Site
) -> None:
    open_table(page, site)
    sign_in(page, site.tokens.auditor)
    page.locator('#ranking td[data-city="singapore"] a').click()
    page.wait_for_selector("body[data-ready=city] #explain-parts")
    why = gql(
        site,
        '{ explainMove(edition: "asia-2023", table: TOTAL, city: "singapore", '
        "from: {publication: 2}) { delta { fraction } from { band } to { band } "
        "indicators { indicatorId rungPart { fraction } causes { claimId } } } }",
        site.tokens.auditor,
    )["explainMove"]
    moved = [i for i in why["indicators"] if i["rungPart"]["fraction"] != "0"]
    assert [i["indicatorId"] for i in moved] == ["openness"]
    row = page.locator('#explain-parts tr[data-indicator="openness"]')
    assert "c-sg-open" in row.inner_text()
    assert row.locator(".score").nth(2).get_attribute("title") == (
        f"exact: {moved[0]['rungPart']['fraction']}"
    )
    total = page.locator("#explain-parts tfoot .score").get_attribute("title")
    assert total == f"exact: {why['delta']['fraction']}"
    summary = page.locator("#explain-summary").inner_text()
    assert why["from"]["band"] in summary and why["to"]["band"] in summary
    shot(page, "city-explain")
    # Any ledger position can be the earlier point.
    page.fill("#explain-from-position", "20")
    page.press("#explain-from-position", "Enter")
    page.wait_for_selector("#explain-summary:has-text('From position 20:')")
    assert page.locator("#explain-from").input_value() == "20"


def test_a_city_signed_in_sees_its_own_points_explanation_and_appeals(
    page: Any, site: Site
) -> None:
    page.goto(f"{site.base}/#/city/beijing?edition={EDITION}&table=total")
    page.wait_for_selector("body[data-ready=city]")
    assert page.locator("#indicators").count() == 0  # anonymous: bands only
    assert page.locator("#appeals").count() == 0
    page.fill("#token", site.tokens.city)
    page.press("#token", "Enter")
    page.wait_for_selector("body[data-role=city][data-ready=city] #appeals")
    appeals = gql(site, "{ appeals { items { appealId cityId } } }", site.tokens.city)
    own = [a["appealId"] for a in appeals["appeals"]["items"] if a["cityId"] == "beijing"]
    assert own and all(a in page.locator("#appeals").inner_text() for a in own)
    assert page.locator("#indicators tr[data-indicator]").count() == 4
    assert page.locator("#explain-parts").count() == 1
    shot(page, "city-own-role")


def test_anyone_can_open_an_earlier_publication_and_sees_its_bands(page: Any, site: Site) -> None:
    open_table(page, site)
    page.select_option("#publication", "1")
    page.wait_for_selector("#cut:has-text('Publication 1 ')")
    first = gql(
        site, f'{{ rankings(edition: "{EDITION}", table: TOTAL, publication: 1) '
        "{ position rows { cityId band } } }",
    )["rankings"]  # fmt: skip
    assert shown_bands(page) == {r["cityId"]: r["band"] for r in first["rows"]}
    assert shown_bands(page) != api_bands(site)  # the later publication differs
    assert page.locator("#ranking").get_attribute("data-position") == str(first["position"])
    shot(page, "table-publication-1")


def test_a_city_sees_who_crossed_it_without_their_numbers(page: Any, site: Site) -> None:
    # Beijing, Shanghai and Taizhou pass Singapore after position 17; Singapore's own token
    # gets their names and bands but not their ranks or score changes (nulls).
    made = subprocess.run(
        [sys.executable, "-m", "cityledger.cli", "token", "create", "--role", "city",
         "--name", "singapore-office", "--city", "singapore", "--db", str(site.db)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    token = made.stdout.strip()
    why = gql(
        site,
        f'{{ explainMove(edition: "{EDITION}", table: TOTAL, city: "singapore", '
        "from: {position: 17}) { overtakenBy { cityId delta { fraction } } } }",
        token,
    )["explainMove"]
    crossed = [c["cityId"] for c in why["overtakenBy"]]
    assert crossed and all(c["delta"] is None for c in why["overtakenBy"])
    page.goto(f"{site.base}/#/city/singapore?edition={EDITION}&table=total&from=17")
    page.wait_for_selector("body[data-ready=city]")
    page.fill("#token", token)
    page.press("#token", "Enter")
    page.wait_for_selector("body[data-role=city][data-ready=city] #explain-overtaken")
    shown = page.locator("#explain-overtaken").inner_text()
    assert all(city in shown.lower() for city in crossed) and "null" not in shown
    assert page.locator("#view .error").count() == 0


def test_a_slow_view_left_for_another_never_draws_into_it(page: Any, site: Site) -> None:
    # Beijing's page is still waiting on the API when the reader moves on to Singapore's;
    # Beijing's answers arriving afterwards must not add their sections to Singapore's page.
    open_table(page, site)
    sign_in(page, site.tokens.auditor)
    held: list[Any] = []
    released: list[bool] = []

    def hold_beijing(route: Any) -> None:
        if not released and "beijing" in (route.request.post_data or ""):
            held.append(route)
        else:
            route.continue_()

    page.route("**/graphql", hold_beijing)
    with page.expect_request(lambda request: "beijing" in (request.post_data or "")):
        page.evaluate(f"location.hash = '#/city/beijing?edition={EDITION}&table=total'")
    page.evaluate(f"location.hash = '#/city/singapore?edition={EDITION}&table=total'")
    page.wait_for_selector("body[data-ready=city] #explain-parts")
    singapore = page.locator("#view").inner_text()
    assert "Singapore" in page.locator("#city-title").inner_text()
    # Beijing's view marks the page ready again once its last section is drawn.
    page.evaluate("document.body.dataset.ready = 'waiting'")
    assert held
    released.append(True)
    for route in held:
        route.continue_()
    page.wait_for_selector("body[data-ready=city]")
    assert page.locator("#city-title").count() == 1
    assert page.locator("#view").inner_text() == singapore


def test_a_view_opened_while_signing_out_asks_only_what_an_anonymous_reader_may_see(
    page: Any, site: Site
) -> None:
    # The reader signs out and moves on before the page has heard back who it now is: the view
    # drawn meanwhile must already ask as an anonymous reader, not with the old role's fields.
    open_table(page, site)
    sign_in(page, site.tokens.auditor)
    held: list[Any] = []
    released: list[bool] = []
    asked: list[str] = []

    def hold_viewer(route: Any) -> None:
        body = route.request.post_data or ""
        if not released and "viewer" in body:
            held.append(route)
            return
        if not released:
            asked.append(body)
        route.continue_()

    page.route("**/graphql", hold_viewer)
    with page.expect_request(lambda request: "viewer" in (request.post_data or "")):
        page.click("#signout")
    # The city page's second question is the first whose fields depend on the role.
    with page.expect_response(lambda response: "cityHistory" in (response.request.post_data or "")):
        page.evaluate(f"location.hash = '#/city/singapore?edition={EDITION}&table=total'")
    assert held and asked
    assert not [body for body in asked if "score { fraction" in body]
    released.append(True)
    for route in held:
        route.continue_()
    page.wait_for_selector("body[data-role=anonymous][data-ready=city]")
    assert page.locator("#view .error").count() == 0
    assert "anonymous" in page.locator("#who").inner_text()


def test_a_link_naming_no_edition_table_or_publication_is_refused_naming_it(
    page: Any, site: Site
) -> None:
    # A shared link with a typo must not silently show another edition, table or publication.
    refused = {
        "?edition=nope": "This link's edition 'nope' is not an edition of this ledger (",
        "?table=roads": "This link's table 'roads' is not a table (total, digital_traditional,",
        "?pub=abc": "This link's pub 'abc' is not a publication of this table (1, 2)",
        "?pub=9": "This link's pub '9' is not a publication of this table (1, 2)",
        "?at=-5": "This link's at '-5' is not a ledger position",
        "?lang=fr": "This link's lang 'fr' is not one of en, zh",
        "compare?a=asia-1999": "This link's a 'asia-1999' is not an edition of this ledger (",
        "city/singapore?edition=nope": "This link's edition 'nope' is not an edition",
    }
    for link, message in refused.items():
        page.goto("about:blank")
        page.goto(f"{site.base}/#/{link}")
        shown = page.wait_for_selector("#view .error[role=alert]").inner_text()
        assert shown.startswith(message), (link, shown)
        assert page.locator("#ranking").count() == 0, link
    page.goto("about:blank")
    open_table(page, site, "?pub=1")  # a link that names what exists still opens
    assert page.locator("#view .error").count() == 0
