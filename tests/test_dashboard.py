"""The dashboard's pages under Streamlit's AppTest, on a real warehouse built and published in this session.

Every figure checked is read back from the published marts by the test itself: the pages must show exactly
what the marts hold (formatted in 万元 with thousands separators), in the marts' order.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from published_warehouse import session_final_accounts_warehouse, session_published_warehouse
from streamlit.testing.v1 import AppTest

from dashboard import formatting, labels, sources
from dashboard.data import Filters, filter_metrics, ranked, read_snapshot
from dashboard.overview_table import header, table_frame
from dashboard.ui import csv_bytes

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
UNIT_PAGE = "views/unit.py"
SOURCE_PAGE = "views/source.py"
RANK_ORDER = "ORDER BY {column} DESC NULLS LAST, unit_name, fiscal_year"


@pytest.fixture(scope="session")
def built(tmp_path_factory, seed_disclosures):
    return session_published_warehouse(tmp_path_factory, seed_disclosures)


@pytest.fixture
def app(built, monkeypatch):
    monkeypatch.setenv("BUDGET_PUBLISHED", str(built.published))
    return AppTest.from_file(str(APP), default_timeout=60)


# CPython 3.11 before 3.11.8 can raise this spuriously when compile() runs in a thread, as AppTest's script runner
# does (python/cpython#106905, fixed upstream); the page is then simply run again, once.
_CPYTHON_AST_BUG = "AST constructor recursion depth mismatch"


def run(at: AppTest) -> AppTest:
    at.run()
    if at.exception and all(_CPYTHON_AST_BUG in str(e.value) for e in at.exception):
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    [found] = [m.value for m in at.metric if m.label.startswith(label)]
    return found


def shown_ids(at: AppTest) -> list[str]:
    return at.dataframe[0].value[header("document_id")].tolist()


def visible_text(cell: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())


def table_rows(at: AppTest, key: str) -> list[list[str]]:
    """The body cells (as visible text) of the HTML table ``id=key``."""
    [markup] = [m.value for m in at.markdown if f'id="{key}"' in m.value]
    body = markup.split("<tbody>", 1)[1]
    return [
        [visible_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


def page_html(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def open_unit(at: AppTest, document_id: str) -> AppTest:
    at.switch_page(UNIT_PAGE)
    at.query_params["doc"] = document_id
    return run(at)


# --------------------------------------------------------------------------- overview
def test_overview_ranks_every_disclosure_as_the_marts_do(app, built):
    at = run(app)
    expected = built.rows(
        f"SELECT * FROM marts.unit_metrics {RANK_ORDER.format(column='per_capita_personnel')}"
    )
    assert metric(at, labels.DISCLOSURES_SHOWN.zh) == str(len(expected))
    assert metric(at, labels.TOTAL_SHOWN.zh) == formatting.money(
        sum(r["total_expenditure"] for r in expected)
    )
    table = at.dataframe[0].value
    assert shown_ids(at) == [r["document_id"] for r in expected]
    assert table[header("rank")].tolist() == list(range(1, len(expected) + 1))
    for column in (
        "per_capita_personnel",
        "per_capita_wage_welfare",
        "total_expenditure",
        "basic_expenditure",
        "project_expenditure",
        "three_public_total",
        "three_public_outbound",
        "three_public_vehicle_purchase",
        "three_public_vehicle_operation",
        "three_public_reception",
    ):
        assert table[header(column)].tolist() == [r[column] for r in expected], column
        assert all(isinstance(v, Decimal) for v in table[header(column)] if v is not None), (
            "money stays Decimal"
        )
    for column in ("three_public_share", "share_208", "share_210", "share_221"):
        assert table[header(column)].tolist() == [r[column] * 100 for r in expected], column
    assert table[header("in_service_staff")].tolist() == [r["in_service_staff"] for r in expected]
    assert table[header("staff_basis")].tolist() == [labels.STAFF_BASIS[r["staff_basis"]] for r in expected]
    for status, row in zip(table[header("quality")], expected, strict=True):  # quality on every row
        assert status.startswith(labels.QUALITY_STATUS[row["quality_status"]])
    assert len(at.get("vega_lite_chart")) == 4  # per capita, function mix, basic vs project, 三公
    assert at.download_button[0].label == labels.DOWNLOAD_CSV


def test_overview_ranks_on_the_second_definition(app, built):
    at = run(app)
    at.radio(key="rank_by").set_value("per_capita_wage_welfare")
    run(at)
    expected = built.rows(
        f"SELECT document_id FROM marts.unit_metrics {RANK_ORDER.format(column='per_capita_wage_welfare')}"
    )
    assert shown_ids(at) == [r["document_id"] for r in expected]


def test_overview_filters_by_province_region_year_and_scope(app, built):
    at = run(app)
    [top] = built.rows(
        "SELECT province, count(*) AS n FROM marts.unit_metrics GROUP BY province ORDER BY n DESC, province LIMIT 1"
    )
    at.multiselect(key="filter_province").select(top["province"])
    run(at)
    in_province = built.rows(
        f"SELECT document_id, region FROM marts.unit_metrics WHERE province = ? {RANK_ORDER.format(column='per_capita_personnel')}",
        [top["province"]],
    )
    assert shown_ids(at) == [r["document_id"] for r in in_province]
    assert metric(at, labels.DISCLOSURES_SHOWN.zh) == str(top["n"])

    region = in_province[-1]["region"]
    assert at.multiselect(key="filter_region").options == sorted({r["region"] for r in in_province})
    at.multiselect(key="filter_region").select(region)
    run(at)
    assert shown_ids(at) == [r["document_id"] for r in in_province if r["region"] == region]

    at.multiselect(key="filter_province").unselect(top["province"])
    at.multiselect(key="filter_region").unselect(region)
    [year] = built.rows("SELECT max(fiscal_year) AS y FROM marts.unit_metrics")
    [scope] = built.rows("SELECT min(scope) AS s FROM marts.unit_metrics")
    at.multiselect(key="filter_year").select(year["y"])
    at.multiselect(key="filter_scope").select(scope["s"])
    run(at)
    expected = built.rows(
        f"SELECT document_id FROM marts.unit_metrics WHERE fiscal_year = ? AND scope = ? "
        f"{RANK_ORDER.format(column='per_capita_personnel')}",
        [year["y"], scope["s"]],
    )
    assert shown_ids(at) == [r["document_id"] for r in expected]


def test_overview_links_to_the_unit_page(app, built):
    at = run(app)
    [first] = built.rows(
        f"SELECT document_id FROM marts.unit_metrics {RANK_ORDER.format(column='per_capita_personnel')} LIMIT 1"
    )
    link = at.page_link[0].proto
    assert link.page == "unit" and link.query_string == f"doc={first['document_id']}"
    table = at.dataframe[0].value
    assert table[header("unit_page")].tolist()[0] == f"unit?doc={first['document_id']}"


def test_the_csv_download_is_the_shown_table_with_exact_amounts(built):
    snapshot = read_snapshot(built.published)
    shown = ranked(filter_metrics(snapshot.unit_metrics, Filters()), "per_capita_personnel")
    data = csv_bytes(table_frame(shown))
    assert data.startswith("\ufeff".encode())  # spreadsheet programs read the Chinese headers
    frame = pl.read_csv(io.BytesIO(data[3:]), infer_schema=False)
    expected = built.rows(
        f"SELECT * FROM marts.unit_metrics {RANK_ORDER.format(column='per_capita_personnel')}"
    )
    assert frame[header("document_id")].to_list() == [r["document_id"] for r in expected]
    column = header("total_expenditure")
    assert [Decimal(v) for v in frame[column].to_list()] == [r["total_expenditure"] for r in expected]


# --------------------------------------------------------------------------- unit page
def test_unit_page_shows_the_marts_of_each_disclosure(app, built):
    at = run(app)
    documents = built.rows("SELECT * FROM marts.unit_metrics ORDER BY document_id")
    for doc in documents:
        document_id = doc["document_id"]
        open_unit(at, document_id)
        assert at.title[0].value == doc["unit_name"]
        assert metric(at, "支出总计") == formatting.money(doc["total_expenditure"])
        assert metric(at, "基本支出") == formatting.money(doc["basic_expenditure"])
        assert metric(at, "项目支出") == formatting.money(doc["project_expenditure"])
        assert metric(at, "人数") == formatting.count(doc["in_service_staff"])
        assert metric(at, "人均人员经费") == formatting.money(doc["per_capita_personnel"])
        assert metric(at, "“三公”经费") == formatting.money(doc["three_public_total"])

        # the function tree 类 → 款 → 项, in code order, every amount as in the mart
        functions = built.rows(
            "SELECT * FROM marts.fct_expenditure_by_function WHERE document_id = ? ORDER BY subject_code",
            [document_id],
        )
        rows = table_rows(at, "function-tree")
        assert [r[0] for r in rows] == [f["subject_code"] for f in functions]
        for row, fact in zip(rows, functions, strict=True):
            assert row[2:5] == [
                formatting.money(fact[c]) for c in ("total_amount", "basic_amount", "project_amount")
            ]
            assert row[6] == fact["source_location"]

        # every key figure with its value and its source link
        markup = page_html(at)
        figures = built.rows("SELECT * FROM marts.figure_sources WHERE document_id = ?", [document_id])
        shown_figures = {
            row[0]: row
            for key in ("key-figures", "basic-figures", "three-public", "headcounts")
            for row in table_rows(at, key)
        }
        for figure in figures:
            label = labels.FIGURES[figure["figure"]]
            if figure["figure"] == "three_public_vehicle":
                continue  # the vehicle subtotal: its two parts are shown
            row = shown_figures[f"{label.zh} {label.en}"]
            assert row[1] == formatting.figure_value(figure["value"], figure["value_kind"]), figure["figure"]
            assert row[3] == figure["source_location"]
            url = sources.source_url(
                built.rows("SELECT * FROM published.documents WHERE document_id = ?", [document_id])[0],
                figure["source_location"],
            )
            if figure["source_location"].startswith("line "):
                assert url == f"source?doc={document_id}&line={figure['source_location'].split()[1]}"
                assert f'href="{html.escape(url)}"' in markup

        # the economic breakdown of basic spending
        economic = built.rows(
            "SELECT * FROM marts.fct_basic_expenditure_by_economic WHERE document_id = ? ORDER BY subject_code",
            [document_id],
        )
        if economic:
            rows = table_rows(at, "economic-tree")
            assert [r[0] for r in rows] == [e["subject_code"] for e in economic]
            assert [r[2] for r in rows] == [formatting.money(e["total_amount"]) for e in economic]

        # every quality issue with its resolution
        issues = built.rows("SELECT * FROM marts.quality_issues WHERE document_id = ?", [document_id])
        assert f"问题 Issues: **{len(issues)}**" in [m.value for m in at.markdown]
        if issues:
            rows = table_rows(at, "quality-issues")
            assert sorted(r[-1] for r in rows) == sorted(i["resolution"] for i in issues)
            assert sorted(r[0].split()[-1] for r in rows) == sorted(i["rule"] for i in issues)


def test_unit_page_follows_the_selectbox(app, built):
    first, second = built.rows(
        "SELECT document_id, unit_name FROM marts.unit_metrics ORDER BY document_id LIMIT 2"
    )
    at = open_unit(run(app), first["document_id"])
    assert at.title[0].value == first["unit_name"]
    at.selectbox(key="unit_document").set_value(second["document_id"])
    run(at)
    assert at.title[0].value == second["unit_name"]
    assert at.query_params["doc"] == second["document_id"]


def test_source_page_shows_the_line_a_figure_was_read_from(app, built):
    [figure] = built.rows(
        "SELECT f.document_id, f.source_location, d.file_name FROM marts.figure_sources f "
        "JOIN published.documents d USING (document_id) "
        "WHERE f.figure = 'total_expenditure' ORDER BY f.document_id LIMIT 1"
    )
    line = int(figure["source_location"].split()[1])
    at = run(app)
    at.switch_page(SOURCE_PAGE)
    at.query_params["doc"] = figure["document_id"]
    at.query_params["line"] = str(line)
    run(at)
    text = (built.raw / figure["file_name"]).read_text(encoding="utf-8").split("\n")[line - 1]
    assert (
        f'<tr class="hit" id="hit"><td class="n">{line}</td><td class="t">{html.escape(text)}</td></tr>'
        in page_html(at)
    )


def test_without_a_publication_the_pages_say_to_run_make_run(monkeypatch, tmp_path):
    monkeypatch.setenv("BUDGET_PUBLISHED", str(tmp_path / "nothing" / "budget_marts.duckdb"))
    at = AppTest.from_file(str(APP), default_timeout=60)
    run(at)
    assert "make run" in at.info[0].value
    at.switch_page(UNIT_PAGE)
    run(at)
    assert "make run" in at.info[0].value


def test_the_pages_work_when_the_marts_gain_or_lose_columns(built, tmp_path, monkeypatch):
    """A mart that gains a column (say ``disclosure_id``) or loses one still renders; the rest is unchanged."""
    changed = tmp_path / "published" / "budget_marts.duckdb"
    changed.parent.mkdir()
    changed.write_bytes(built.published.read_bytes())
    con = duckdb.connect(str(changed))
    try:
        con.execute("ALTER TABLE marts.unit_metrics ADD COLUMN disclosure_id VARCHAR DEFAULT 'x'")
        con.execute("ALTER TABLE marts.figure_sources ADD COLUMN source_document_id VARCHAR")
        con.execute("ALTER TABLE marts.unit_metrics DROP COLUMN operating_expenditure")
    finally:
        con.close()
    monkeypatch.setenv("BUDGET_PUBLISHED", str(changed))
    at = run(AppTest.from_file(str(APP), default_timeout=60))
    expected = built.rows(
        f"SELECT * FROM marts.unit_metrics {RANK_ORDER.format(column='per_capita_personnel')}"
    )
    assert shown_ids(at) == [r["document_id"] for r in expected]
    open_unit(at, expected[0]["document_id"])
    assert metric(at, "支出总计") == formatting.money(expected[0]["total_expenditure"])


# --------------------------------------------------------------------------- formatting and links
def test_money_has_thousands_separators_and_two_decimals():
    assert formatting.money(Decimal("17361.340000")) == "17,361.34"
    assert formatting.money(Decimal("0.005")) == "0.01"  # half up, as printed budgets round
    assert formatting.money(Decimal("-1234567.891")) == "-1,234,567.89"
    assert formatting.money(None) == formatting.MISSING
    assert formatting.share(Decimal("0.004995")) == "0.50%"
    assert formatting.count(Decimal("89.000000")) == "89"
    assert formatting.difference(Decimal("66.33")) == "+66.33"


def test_source_links_open_the_pdf_at_its_page_or_the_text_at_its_line(tmp_path):
    text = {"document_id": "abc", "source_file": "abc.txt", "source_format": "text"}
    pdf = {"document_id": "def", "source_file": "def.pdf", "source_format": "pdf"}
    assert sources.source_url(text, "line 345") == "source?doc=abc&line=345"
    assert sources.source_url(pdf, "page 12") == "source-files/def.pdf#page=12"
    assert sources.source_url(pdf, "p.12") == "source-files/def.pdf#page=12"
    assert sources.source_url(pdf, "page 4, line 12") == "source-files/def.pdf#page=4"
    assert sources.source_url(text, "derived from 4 rows") is None
    assert sources.source_url({**text, "source_file": None}, "line 3") is None
    (tmp_path / "abc.txt").write_text("x", encoding="utf-8")
    assert sources.source_path(tmp_path, "abc.txt") == tmp_path / "abc.txt"
    for unsafe in ("../abc.txt", ".hidden.txt", "a/b.txt", None):
        assert sources.source_path(tmp_path, unsafe) is None


def test_a_figure_of_a_disclosure_in_several_files_links_to_its_own_file():
    documents = [
        {"document_id": "main", "file_name": "a.txt", "source_file": "main.txt", "source_format": "text"},
        {"document_id": "other", "file_name": "b.pdf", "source_file": "other.pdf", "source_format": "pdf"},
    ]
    links = sources.SourceLinks(documents, "main")
    assert links.url("line 7") == "source?doc=main&line=7"
    assert links.url("b.pdf, page 3") == "source-files/other.pdf#page=3"
    assert links.url("page 3", source_document_id="other") == "source-files/other.pdf#page=3"
    assert links.url("derived from 2 rows") is None


# --------------------------------------------------------------------------- missing values, per capita n/a
def test_missing_values_show_a_dash_and_units_without_staff_read_n_a(built, tmp_path, monkeypatch):
    changed = tmp_path / "published" / "budget_marts.duckdb"
    changed.parent.mkdir()
    changed.write_bytes(built.published.read_bytes())
    [first] = built.rows("SELECT document_id FROM marts.unit_metrics ORDER BY document_id LIMIT 1")
    con = duckdb.connect(str(changed))
    try:
        con.execute(
            "UPDATE marts.unit_metrics SET in_service_staff = NULL, per_capita_personnel = NULL, "
            "per_capita_wage_welfare = NULL WHERE document_id = ?",
            [first["document_id"]],
        )
    finally:
        con.close()
    monkeypatch.setenv("BUDGET_PUBLISHED", str(changed))
    at = run(AppTest.from_file(str(APP), default_timeout=60))
    assert at.dataframe[0].proto.placeholder == formatting.MISSING  # never "None"
    table = at.dataframe[0].value
    notes = dict(zip(table[header("document_id")], table[header("per_capita_note")], strict=True))
    assert notes[first["document_id"]] == "n/a — 公开文件未列人数 no staff count in the disclosure"
    assert all(
        v is None or (isinstance(v, float) and math.isnan(v))
        for k, v in notes.items()
        if k != first["document_id"]
    )  # null: shown "—"
    from dashboard import charts

    chart = charts.per_capita(ranked(read_snapshot(changed).unit_metrics, "per_capita_personnel")).to_dict()
    assert any(
        layer["mark"]["type"] == "text" for layer in chart["layer"]
    )  # the n/a text beside the empty row
    assert "n/a — 公开文件未列人数 no staff count in the disclosure" in json.dumps(chart, ensure_ascii=False)
    open_unit(at, first["document_id"])
    assert metric(at, "人均人员经费") == labels.NOT_AVAILABLE
    shown_text = visible_text(page_html(at)) + " ".join(m.value for m in at.metric)
    assert not re.findall(r".{40}\b(?:None|nan|NaN)\b.{20}", shown_text)


def test_the_ranking_axis_can_be_log_or_clipped(app):
    at = run(app)
    for scale in ("log", "clip", "linear"):
        at.radio(key="ranking_axis").set_value(scale)
        run(at)
        assert len(at.get("vega_lite_chart")) == 4
    from dashboard.charts import clip_limit

    assert clip_limit([10, 11, 12, 13, 12, 175]) is not None and clip_limit([10, 11, 12, 13]) is None


# --------------------------------------------------------------------------- URL query
def test_filters_round_trip_through_the_url(app, built):
    at = run(app)
    [top] = built.rows(
        "SELECT province, count(*) AS n FROM marts.unit_metrics GROUP BY province ORDER BY n DESC, province LIMIT 1"
    )
    at.multiselect(key="filter_province").select(top["province"])
    at.radio(key="rank_by").set_value("per_capita_wage_welfare")
    at.radio(key="ranking_axis").set_value("log")
    run(at)
    assert at.query_params == {"province": top["province"], "rank": "wage_welfare", "axis": "log"}
    shown = shown_ids(at)

    again = AppTest.from_file(str(APP), default_timeout=60)
    again.query_params.update(at.query_params)
    run(again)
    assert again.multiselect(key="filter_province").value == [top["province"]]
    assert again.radio(key="rank_by").value == "per_capita_wage_welfare"
    assert again.radio(key="ranking_axis").value == "log"
    assert shown_ids(again) == shown
    assert again.query_params == at.query_params

    # unknown values in the URL are dropped, the page still renders
    bad = AppTest.from_file(str(APP), default_timeout=60)
    bad.query_params.update({"province": "火星", "year": "1900", "rank": "nonsense"})
    run(bad)
    assert bad.multiselect(key="filter_province").value == []
    assert len(shown_ids(bad)) == len(built.rows("SELECT 1 FROM marts.unit_metrics"))


# --------------------------------------------------------------------------- comparison
COMPARE_PAGE = "views/compare.py"
SEARCH_PAGE = "views/search.py"


def test_comparison_of_two_units_shows_their_figures_side_by_side(app, built):
    first, second = built.rows(
        "SELECT * FROM marts.unit_metrics WHERE document_kind LIKE '%预算' ORDER BY unit_id LIMIT 2"
    )
    at = run(app)
    at.switch_page(COMPARE_PAGE)
    run(at)
    assert at.info, "fewer than two units: a hint"
    at.multiselect(key="compare_units").set_value([first["unit_id"], second["unit_id"]])
    run(at)
    assert at.query_params["unit"] == [first["unit_id"], second["unit_id"]]
    rows = {row[0]: row for row in table_rows(at, "compare-table")}
    [markup] = [m.value for m in at.markdown if 'id="compare-table"' in m.value]
    head = visible_text(markup.split("<tbody>")[0])
    assert head.index(first["unit_name"]) < head.index(second["unit_name"])  # one column per unit, in order
    for column in ("total_expenditure", "basic_expenditure", "project_expenditure", "three_public_total"):
        label = labels.METRICS[column]
        assert rows[f"{label.zh} {label.en}"][2:] == [
            formatting.money(first[column]),
            formatting.money(second[column]),
        ]
    staff = labels.METRICS["in_service_staff"]
    assert rows[f"{staff.zh} {staff.en}"][2:] == [
        formatting.count(first["in_service_staff"]),
        formatting.count(second["in_service_staff"]),
    ]
    share = labels.METRICS["share_208"]
    assert rows[f"{share.zh} {share.en}"][2:] == [
        formatting.share(first["share_208"]),
        formatting.share(second["share_208"]),
    ]
    assert len(at.get("vega_lite_chart")) == 2  # function mix and 三公, one panel per unit
    documents = table_rows(at, "compare-documents")
    assert [r[-1] for r in documents] == [first["document_id"], second["document_id"]]

    # the chosen units come back from the URL
    again = AppTest.from_file(str(APP), default_timeout=60)
    again.switch_page(COMPARE_PAGE)
    again.query_params.update(at.query_params)
    run(again)
    assert again.multiselect(key="compare_units").value == [first["unit_id"], second["unit_id"]]
    assert table_rows(again, "compare-table") == table_rows(at, "compare-table")


def test_a_comparison_never_mixes_budgets_and_final_accounts():
    from dashboard.data import UNIT_METRICS_COLUMNS, comparable_units, compared_disclosures, with_columns

    metrics = with_columns(
        pl.DataFrame(
            {
                "document_id": ["a", "b", "c", "d"],
                "unit_id": ["甲", "乙", "甲", "乙"],
                "unit_name": ["甲", "乙", "甲", "乙"],
                "fiscal_year": [2024, 2024, 2024, 2023],
                "document_kind": ["部门预算", "部门预算", "部门决算", "单位决算"],
                "scope": ["部门", "部门", "部门", "单位"],
            }
        ),
        UNIT_METRICS_COLUMNS,
    )
    budgets = compared_disclosures(metrics, ["乙", "甲"], "预算", None)
    assert budgets.get_column("document_id").to_list() == ["b", "a"]
    accounts = compared_disclosures(metrics, ["甲", "乙"], "决算", None)
    assert accounts.get_column("document_id").to_list() == ["c", "d"]
    assert compared_disclosures(metrics, ["甲", "乙"], "决算", 2024).get_column("document_id").to_list() == [
        "c"
    ]
    assert [u.unit_key for u in comparable_units(metrics, "决算", 2023)] == ["乙"]


# --------------------------------------------------------------------------- search
def test_search_by_code_lists_the_units_that_print_it(app, built):
    expected = built.rows(
        "SELECT f.*, m.document_kind FROM marts.fct_expenditure_by_function f JOIN marts.unit_metrics m "
        "USING (document_id) WHERE f.subject_code LIKE '2080505%' ORDER BY f.subject_code, f.total_amount DESC"
    )
    assert expected, "the seeds print 2080505"
    at = run(app)
    at.switch_page(SEARCH_PAGE)
    run(at)
    at.text_input(key="search_q").input("2080505")
    run(at)
    assert at.query_params["q"] == "2080505"
    rows = table_rows(at, "search-function")
    assert [(r[2], r[5], r[-2]) for r in rows] == [
        (e["unit_name"], formatting.money(e["total_amount"]), e["source_location"]) for e in expected
    ]
    assert all(r[0].startswith("2080505") for r in rows)
    assert f"**{len({e['unit_name'] for e in expected})}** 个单位 units" in page_html(at)
    markup = page_html(at)
    top = expected[0]
    url = sources.viewer_url(top["document_id"], int(top["source_location"].split()[1]))
    assert f'href="{html.escape(url)}"' in markup

    # by name, over both classifications (301 economic rows too)
    at.text_input(key="search_q").input("住房公积金")
    run(at)
    economic = built.rows(
        "SELECT count(*) AS n FROM marts.fct_basic_expenditure_by_economic WHERE subject_name LIKE '%住房公积金%'"
    )[0]["n"]
    assert len(table_rows(at, "search-economic")) == economic

    # from the URL
    again = AppTest.from_file(str(APP), default_timeout=60)
    again.switch_page(SEARCH_PAGE)
    again.query_params["q"] = "2080505"
    run(again)
    assert table_rows(again, "search-function") == rows


# --------------------------------------------------------------------------- issue 15: 决算, execution and series
D = Decimal
TOTAL_OF_FINAL = """
    SELECT * FROM (SELECT m.*, b.budget_amount, b.final_amount, b.execution_rate, b.budget_source, d.file_name
    FROM marts.unit_metrics m
    JOIN (SELECT document_id, file_name FROM published.documents) d USING (document_id)
    LEFT JOIN marts.budget_execution b ON b.document_id = m.document_id AND b.figure = 'total_expenditure'
    WHERE m.document_kind LIKE '%决算') WHERE true
"""


@pytest.fixture(scope="session")
def final(tmp_path_factory, seed_disclosures):
    """The seeds, a generated 决算 + previous-year 预算 of seed 002, and the real 财政局 决算 (when beside the clone)."""
    return session_final_accounts_warehouse(tmp_path_factory, seed_disclosures)


@pytest.fixture
def final_app(final, monkeypatch):
    monkeypatch.setenv("BUDGET_PUBLISHED", str(final.built.published))
    return AppTest.from_file(str(APP), default_timeout=60)


def generated_final_row(final) -> dict:
    [row] = final.built.rows(f"{TOTAL_OF_FINAL} AND file_name = ?", [final.generated["final"].name])
    return row


def test_overview_shows_budgets_by_default_and_never_mixes_kinds(final_app, final):
    at = run(final_app)
    assert at.radio(key="filter_kind").options == ["预算 budget", "决算 final accounts"]
    assert at.radio(key="filter_kind").value == "预算"
    budgets = final.built.rows(
        "SELECT * FROM marts.unit_metrics WHERE document_kind LIKE '%预算' "
        + RANK_ORDER.format(column="per_capita_personnel")
    )
    assert shown_ids(at) == [r["document_id"] for r in budgets]
    assert "kind" not in at.query_params
    assert "execution_rate" not in at.radio(key="rank_by").options


def test_overview_of_final_accounts_ranks_on_the_execution_rate(final_app, final):
    at = run(final_app)
    at.radio(key="filter_kind").set_value("决算")
    run(at)
    expected = final.built.rows(
        f"{TOTAL_OF_FINAL} ORDER BY execution_rate DESC NULLS LAST, unit_name, fiscal_year"
    )
    assert len(expected) >= 1
    assert at.radio(key="rank_by").value == "execution_rate"
    assert shown_ids(at) == [r["document_id"] for r in expected]  # 决算 only, highest rate first
    assert metric(at, labels.DISCLOSURES_SHOWN.zh) == str(len(expected))
    table = at.dataframe[0].value
    assert table[header("execution_rate")].tolist() == [
        None if r["execution_rate"] is None else r["execution_rate"] * 100 for r in expected
    ]
    assert table[header("execution_budget")].tolist() == [r["budget_amount"] for r in expected]
    # the generated pair: 决算 total ÷ the loaded 预算 total of the same unit and year
    generated = generated_final_row(final)
    [budget] = final.built.rows(
        "SELECT total_expenditure FROM marts.unit_metrics WHERE unit_id = ? AND fiscal_year = ? "
        "AND document_kind LIKE '%预算'",
        [generated["unit_id"], generated["fiscal_year"]],
    )
    rate = (generated["total_expenditure"] / budget["total_expenditure"]).quantize(D("0.000001"))
    assert generated["execution_rate"] == rate and generated["budget_source"] == "loaded_budget"
    row = shown_ids(at).index(generated["document_id"])
    assert table[header("execution_rate")].tolist()[row] == rate * 100
    assert table[header("budget_source")].tolist()[row] == labels.BUDGET_SOURCES["loaded_budget"]
    assert at.query_params == {"kind": "决算"}
    assert any(s.value == labels.EXECUTION_RANKING.zh for s in at.subheader)
    assert len(at.get("vega_lite_chart")) == 5  # execution rates, then the four charts of the 预算 overview

    # the URL brings the kind (and a per-capita rank) back; a kind the publication lacks is dropped
    again = AppTest.from_file(str(APP), default_timeout=60)
    again.query_params.update({"kind": "决算", "rank": "personnel"})
    run(again)
    assert again.radio(key="filter_kind").value == "决算"
    assert again.radio(key="rank_by").value == "per_capita_personnel"
    assert set(shown_ids(again)) == {r["document_id"] for r in expected}
    assert again.query_params == {"kind": "决算", "rank": "personnel"}


def test_unit_page_of_a_final_accounts_shows_budget_vs_final(final_app, final):
    generated = generated_final_row(final)
    at = open_unit(run(final_app), generated["document_id"])
    execution = final.built.rows(
        "SELECT * FROM marts.budget_execution WHERE document_id = ?", [generated["document_id"]]
    )
    rows = {r[0]: r for r in table_rows(at, "budget-execution")}
    assert len(rows) == len(execution)
    total = rows[f"{labels.FIGURES['total_expenditure'].zh} {labels.FIGURES['total_expenditure'].en}"]
    assert total[1:5] == [
        formatting.money(generated["budget_amount"]),
        formatting.money(generated["final_amount"]),
        formatting.share(generated["execution_rate"]),
        labels.BUDGET_SOURCES["loaded_budget"],
    ]
    assert total[3] == "98.51%"  # 1,025.67 ÷ 1,041.14
    three = rows[f"{labels.FIGURES['three_public_total'].zh} {labels.FIGURES['three_public_total'].en}"]
    assert three[3] == "80.00%"  # the generator executes each “三公” part at 0.8
    assert [
        c
        for c in at.get("vega_lite_chart")
        if "浅色 预算数 budget" in json.dumps(json.loads(c.proto.spec), ensure_ascii=False)
    ], "the bullet chart"
    if final.real_final is not None:  # the real 决算 has no loaded 预算: the budget it states itself
        [real] = final.built.rows(f"{TOTAL_OF_FINAL} AND file_name = ?", [final.real_final.name])
        at = open_unit(at, real["document_id"])
        stated = final.built.rows(
            "SELECT * FROM marts.budget_execution WHERE document_id = ? AND budget_source = 'final_accounts_stated'",
            [real["document_id"]],
        )
        shown = {r[0]: r for r in table_rows(at, "budget-execution")}
        for row in stated:
            label = labels.FIGURES.get(row["figure"])
            if label is not None:
                assert shown[f"{label.zh} {label.en}"][1] == formatting.money(row["budget_amount"])
                assert shown[f"{label.zh} {label.en}"][4] == labels.BUDGET_SOURCES["final_accounts_stated"]


def test_unit_page_shows_the_series_with_the_year_on_year_change(final_app, final):
    series = final.built.rows(
        "SELECT * FROM marts.unit_year_metrics WHERE figure = 'total_expenditure' AND unit_id = ? "
        "ORDER BY fiscal_year, document_kind DESC",
        [generated_final_row(final)["unit_id"]],
    )
    current = next(r for r in series if r["fiscal_year"] == 2024 and r["document_kind"] == "部门预算")
    at = open_unit(run(final_app), current["document_id"])
    rows = table_rows(at, "unit-series")
    assert [(r[0], r[1]) for r in rows] == [("2023", "部门预算"), ("2024", "部门预算"), ("2024", "部门决算")]
    assert len(rows) == len(series)
    budget_2024 = rows[1]
    rate = formatting.share(current["change_rate"])
    assert (
        budget_2024[2]
        == f"{formatting.money(current['value'])} {formatting.difference(current['change'])} · +{rate}"
    )
    assert rate == "5.00%"  # the generator's previous year is this one ÷ 1.05
    assert rows[0][2] == f"{formatting.money(series[0]['value'])} —"  # a first year has no change
    assert rows[2][2].endswith(" —")  # the 决算 is not compared with a 预算
    # no execution section on a 预算
    assert not [m for m in at.markdown if 'id="budget-execution"' in m.value]


def test_unit_page_series_on_the_seeds_has_one_year(app, built):
    [row] = built.rows("SELECT * FROM marts.unit_metrics ORDER BY document_id LIMIT 1")
    at = open_unit(run(app), row["document_id"])
    [series] = table_rows(at, "unit-series")
    assert series[2] == f"{formatting.money(row['total_expenditure'])} —"
