"""The dashboard end to end in a real browser: ``streamlit run dashboard/server.py`` (what ``make dashboard``
runs) on a free port, driven by Playwright through Debian's chromium (``/usr/bin/chromium``; Playwright never
downloads a browser here).  It loads the overview, filters it, opens a unit page, checks the figures it shows
against the published marts, follows a source link to the line, and saves screenshots in ``tests/artifacts/``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from published_warehouse import session_final_accounts_warehouse, session_published_warehouse

from dashboard import formatting, labels

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

REPO_ROOT = Path(__file__).resolve().parents[1]
SERVER = REPO_ROOT / "dashboard" / "server.py"
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 90  # seconds until the server answers its health check
UI_TIMEOUT = 30_000  # milliseconds for an element to appear


@pytest.fixture(scope="session")
def built(tmp_path_factory, seed_disclosures):
    return session_published_warehouse(tmp_path_factory, seed_disclosures)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serve(published: Path, tmp_path: Path):
    """``streamlit run dashboard/server.py`` on a free port, reading ``published``; its URL."""
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(SERVER),
            "--server.headless", "true",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            "--client.toolbarMode", "minimal",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "BUDGET_PUBLISHED": str(published)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the dashboard did not start:\n{(tmp_path / 'streamlit.log').read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def dashboard_url(built, tmp_path):
    with _serve(built.published, tmp_path) as url:
        yield url


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make system-deps` (installs Debian's chromium for this test; "
            "`make test` runs it first)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _metric_value(page, label: str) -> str:
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue").inner_text()


def _wait_for_metric(page, label: str, value: str) -> None:
    page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue").filter(
        has_text=value
    ).wait_for(timeout=UI_TIMEOUT)


def _grid_column(page, column: int, rows: int) -> list[str]:
    """Cells of the overview grid (its accessible table) in one column."""
    grid = page.get_by_test_id("stDataFrame")
    return [grid.get_by_test_id(f"glide-cell-{column}-{row}").inner_text() for row in range(rows)]


def _screenshot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its own container, so the viewport grows to the content."""
    height = page.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-testid=stMain], section')].map(e => e.scrollHeight))"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height + 100, 12000))})
    page.wait_for_timeout(1500)  # charts re-layout
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size(size)


def _no_exception(page) -> None:
    errors = page.get_by_test_id("stException")
    assert errors.count() == 0, errors.first.inner_text()


def test_overview_filter_unit_page_and_source_in_a_browser(built, dashboard_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    everything = built.rows(
        "SELECT * FROM marts.unit_metrics ORDER BY per_capita_personnel DESC NULLS LAST, unit_name, fiscal_year"
    )
    [top] = built.rows(
        "SELECT province, count(*) AS n FROM marts.unit_metrics GROUP BY province ORDER BY n DESC, province LIMIT 1"
    )
    in_province = [r for r in everything if r["province"] == top["province"]]

    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    page.goto(dashboard_url)
    page.get_by_role("heading", name=labels.OVERVIEW.zh).wait_for(timeout=UI_TIMEOUT)
    _wait_for_metric(page, labels.DISCLOSURES_SHOWN.zh, str(len(everything)))
    _no_exception(page)
    assert _metric_value(page, labels.TOTAL_SHOWN.zh) == formatting.money(
        sum(r["total_expenditure"] for r in everything)
    )
    page.get_by_test_id("stDataFrame").wait_for(timeout=UI_TIMEOUT)
    assert _grid_column(page, 1, len(everything)) == [r["unit_name"] for r in everything]

    # filter on the province with the most disclosures
    page.get_by_test_id("stMultiSelect").filter(has_text=labels.PROVINCE.zh).click()
    page.get_by_role("option", name=top["province"], exact=True).click()
    page.keyboard.press("Escape")
    _wait_for_metric(page, labels.DISCLOSURES_SHOWN.zh, str(len(in_province)))
    page.wait_for_timeout(1000)  # let the grid redraw
    assert _grid_column(page, 1, len(in_province)) == [r["unit_name"] for r in in_province]
    _screenshot(page, "dashboard_overview_filtered.png")

    # open the unit page of the first disclosure shown
    unit = in_province[0]
    page.get_by_role("link", name=f"打开单位详情 Open the unit page: {unit['unit_name']}").click()
    page.wait_for_url(f"**/unit?doc={unit['document_id']}", timeout=UI_TIMEOUT)
    page.get_by_role("heading", name=unit["unit_name"]).wait_for(timeout=UI_TIMEOUT)
    _wait_for_metric(page, "支出总计", formatting.money(unit["total_expenditure"]))
    _no_exception(page)
    assert _metric_value(page, "基本支出") == formatting.money(unit["basic_expenditure"])
    assert _metric_value(page, "人均人员经费") == formatting.money(unit["per_capita_personnel"])
    assert _metric_value(page, "人数") == formatting.count(unit["in_service_staff"])

    functions = built.rows(
        "SELECT * FROM marts.fct_expenditure_by_function WHERE document_id = ? ORDER BY subject_code",
        [unit["document_id"]],
    )
    tree = page.locator("#function-tree tbody tr")
    assert tree.count() == len(functions)
    for i, fact in enumerate(functions):
        cells = tree.nth(i).locator("td").all_inner_texts()
        assert cells[0] == fact["subject_code"]
        assert cells[2] == formatting.money(fact["total_amount"])
    [total] = built.rows(
        "SELECT * FROM marts.figure_sources WHERE document_id = ? AND figure = 'total_expenditure'",
        [unit["document_id"]],
    )
    total_row = page.locator("#key-figures tbody tr").filter(has_text=labels.FIGURES["total_expenditure"].en)
    assert total_row.locator("td").nth(1).inner_text() == formatting.money(total["value"])
    _screenshot(page, "dashboard_unit.png")

    # the total's source link opens the text at its line
    [document] = built.rows("SELECT * FROM published.documents WHERE document_id = ?", [unit["document_id"]])
    line = int(total["source_location"].split()[1])
    with page.context.expect_page() as opened:
        total_row.get_by_role("link", name=total["source_location"]).click()
    source = opened.value
    source.set_viewport_size({"width": 1600, "height": 1400})
    hit = source.locator("#hit")
    hit.wait_for(timeout=UI_TIMEOUT)
    expected_line = (built.raw / document["file_name"]).read_text(encoding="utf-8").split("\n")[line - 1]
    assert hit.locator("td").nth(0).inner_text() == str(line)
    assert " ".join(hit.locator("td").nth(1).inner_text().split()) == " ".join(expected_line.split())
    source.screenshot(path=str(ARTIFACTS / "dashboard_source.png"))

    # the published disclosure itself is served (PDFs open at #page=N from this route)
    response = page.request.get(f"{dashboard_url}/source-files/{document['source_file']}")
    assert response.status == 200
    assert response.body() == (built.raw / document["file_name"]).read_bytes()
    assert page.request.get(f"{dashboard_url}/source-files/..%2Fbudget_marts.duckdb").status in (400, 404)


def test_comparison_and_search_in_a_browser(built, dashboard_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    first, second = built.rows(
        "SELECT * FROM marts.unit_metrics WHERE document_kind LIKE '%预算' ORDER BY unit_id LIMIT 2"
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1200})

    # the comparison, straight from its URL: the units come back from the query
    query = urllib.parse.urlencode([("unit", first["unit_id"]), ("unit", second["unit_id"])])
    page.goto(f"{dashboard_url}/compare?{query}")
    table = page.locator("#compare-table")
    table.wait_for(timeout=UI_TIMEOUT)
    _no_exception(page)
    headers = table.locator("thead th").all_inner_texts()
    assert first["unit_name"] in headers[2] and second["unit_name"] in headers[3]
    total = table.locator("tbody tr").filter(has_text="Total expenditure").locator("td").all_inner_texts()
    assert total[2:] == [
        formatting.money(first["total_expenditure"]),
        formatting.money(second["total_expenditure"]),
    ]
    page.get_by_test_id("stVegaLiteChart").nth(1).wait_for(timeout=UI_TIMEOUT)
    assert page.get_by_test_id("stVegaLiteChart").count() == 2
    _screenshot(page, "dashboard_compare.png")

    # the search box: which units spend on 2080505
    expected = built.rows(
        "SELECT * FROM marts.fct_expenditure_by_function WHERE subject_code LIKE '2080505%' "
        "ORDER BY subject_code, total_amount DESC"
    )
    page.goto(f"{dashboard_url}/search")
    box = page.get_by_label(labels.SEARCH_BOX.short)
    box.wait_for(timeout=UI_TIMEOUT)
    box.fill("2080505")
    box.press("Enter")
    results = page.locator("#search-function tbody tr")
    results.first.wait_for(timeout=UI_TIMEOUT)
    _no_exception(page)
    assert results.count() == len(expected)
    for i, fact in enumerate(expected):
        cells = results.nth(i).locator("td").all_inner_texts()
        assert cells[2] == fact["unit_name"] and cells[5] == formatting.money(fact["total_amount"])
    page.wait_for_url("**/search?q=2080505", timeout=UI_TIMEOUT)  # the query is kept in the URL
    _screenshot(page, "dashboard_search.png")

    # at 1400 px the overview's charts hold their legends (nothing drawn past a chart's edge)
    page.goto(f"{dashboard_url}/?axis=log")
    page.get_by_test_id("stVegaLiteChart").nth(3).wait_for(timeout=UI_TIMEOUT)
    page.wait_for_timeout(1500)
    overflow = page.evaluate(
        "[...document.querySelectorAll('[data-testid=stVegaLiteChart]')].map(e => e.scrollWidth - e.clientWidth)"
    )
    assert overflow == [0, 0, 0, 0]
    assert page.get_by_role("radio", name=labels.AXIS_SCALES["log"].short).is_checked()


# --------------------------------------------------------------------------- issue 15: a 决算 and its execution
@pytest.fixture(scope="session")
def final(tmp_path_factory, seed_disclosures):
    return session_final_accounts_warehouse(tmp_path_factory, seed_disclosures)


@pytest.fixture
def final_dashboard_url(final, tmp_path):
    with _serve(final.built.published, tmp_path) as url:
        yield url


def test_final_accounts_overview_and_execution_in_a_browser(final, final_dashboard_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    ranked = final.built.rows(
        "SELECT m.document_id, m.unit_name, m.fiscal_year, b.budget_amount, b.final_amount, b.execution_rate "
        "FROM marts.unit_metrics m LEFT JOIN marts.budget_execution b "
        "ON b.document_id = m.document_id AND b.figure = 'total_expenditure' "
        "WHERE m.document_kind LIKE '%决算' ORDER BY b.execution_rate DESC NULLS LAST, m.unit_name, m.fiscal_year"
    )
    top = ranked[0]
    assert top["execution_rate"] is not None
    page = browser.new_page(viewport={"width": 1400, "height": 1400})

    # the overview of 决算, from its URL: ranked on the execution rate
    page.goto(f"{final_dashboard_url}/?kind=决算")
    page.get_by_role("heading", name=labels.EXECUTION_RANKING.zh).wait_for(timeout=UI_TIMEOUT)
    _wait_for_metric(page, labels.DISCLOSURES_SHOWN.zh, str(len(ranked)))
    _no_exception(page)
    page.get_by_test_id("stDataFrame").wait_for(timeout=UI_TIMEOUT)
    assert _grid_column(page, 1, len(ranked)) == [r["unit_name"] for r in ranked]
    page.get_by_test_id("stVegaLiteChart").nth(4).wait_for(timeout=UI_TIMEOUT)
    page.wait_for_timeout(1500)
    overflow = page.evaluate(
        "[...document.querySelectorAll('[data-testid=stVegaLiteChart]')].map(e => e.scrollWidth - e.clientWidth)"
    )
    assert overflow == [0] * 5
    _screenshot(page, "dashboard_final_accounts_overview.png")

    # its unit page: budget vs final, with the rate and where the budget comes from
    page.get_by_role("link", name=f"打开单位详情 Open the unit page: {top['unit_name']}").click()
    page.wait_for_url(f"**/unit?doc={top['document_id']}", timeout=UI_TIMEOUT)
    table = page.locator("#budget-execution")
    table.wait_for(timeout=UI_TIMEOUT)
    _no_exception(page)
    total = table.locator("tbody tr").filter(has_text=labels.FIGURES["total_expenditure"].en)
    cells = total.first.locator("td").all_inner_texts()
    assert cells[1:4] == [
        formatting.money(top["budget_amount"]),
        formatting.money(top["final_amount"]),
        formatting.share(top["execution_rate"]),
    ]
    assert labels.BUDGET_SOURCES["loaded_budget"] in cells[4]
    series = page.locator("#unit-series tbody tr")
    assert series.count() == len(
        final.built.rows(
            "SELECT DISTINCT fiscal_year, document_kind FROM marts.unit_year_metrics WHERE unit_id = "
            "(SELECT unit_id FROM marts.unit_metrics WHERE document_id = ?)",
            [top["document_id"]],
        )
    )
    _screenshot(page, "dashboard_final_accounts_unit.png")
