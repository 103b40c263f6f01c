"""The dbt marts on the five real seed disclosures: extract → raw layer → `dbt build` → the figures as printed.

One module-scoped warehouse: the seeds are extracted and loaded into a temporary DuckDB file and the real dbt
project is built on it (seeds, models, data tests and unit tests).  The assertions are the values the documents
print (Decimal, 万元).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dbt_warehouse import RAW, dbt_build, load_documents

LIAOYUAN, CHANGCHUN, CHANGJI, BAZHONG, QUANGANG = "000", "001", "002", "003", "004"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("marts")
    db = tmp / "budget.duckdb"
    load_documents(db, sorted(RAW.glob("*.txt")))
    dbt_build(db, tmp)
    return db


@pytest.fixture(scope="module")
def con(warehouse):
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def doc_ids(con) -> dict[str, str]:
    """File prefix ('000' …) → document_id."""
    return {
        name[:3]: doc
        for name, doc in con.execute("select file_name, document_id from raw.documents").fetchall()
    }


def rows(con, sql: str, params=()) -> list[dict]:
    cursor = con.execute(sql, list(params))
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, r)) for r in cursor.fetchall()]


def D(value: str) -> Decimal:
    return Decimal(value)


# --------------------------------------------------------------------------- fct_expenditure_by_function
FUNCTION_EXPECTED = {
    LIAOYUAN: {
        "208": "1141.27",
        "20801": "1011.47",
        "2080109": "1011.47",
        "20805": "129.35",
        "2080505": "129.35",
        "20899": "0.45",
        "2089999": "0.45",
        "210": "57.76",
        "21011": "57.76",
        "2101101": "51.94",
        "2101102": "4.04",
        "2101199": "1.78",
        "221": "93.04",
        "22102": "93.04",
        "2210201": "93.04",
    },
    CHANGCHUN: {
        "208": "8836.68",
        "210": "195.87",
        "221": "586.86",
        "20801": "7356.99",
        "2080109": "7356.99",
        "20805": "1093.68",
        "20806": "349.58",
        "20826": "36.43",
        "2210201": "586.86",
    },
    CHANGJI: {
        "208": "927.19",
        "210": "50.70",
        "221": "58.13",
        "229": "5.13",
        "20801": "850.36",
        "2080107": "850.36",
        "2101101": "20.28",
        "2101199": "0.27",
        "2299999": "5.13",
    },
    BAZHONG: {
        "208": "718.35",
        "210": "31.6",
        "221": "42.61",
        "2080109": "661.57",
        "2080505": "56.78",
        "2101101": "21.34",
        "2101102": "2.23",
        "2101103": "4.5",
        "2101199": "3.54",
        "2210201": "42.61",
    },
    QUANGANG: {
        "208": "17339.23",
        "221": "22.11",
        "20801": "311.63",
        "20805": "1726.60",
        "20826": "14801.00",
        "20899": "500.00",
        "22102": "22.11",
        "2080109": "311.63",
        "2082602": "14801.00",
        "2210201": "22.11",
    },
}


@pytest.mark.parametrize("doc", sorted(FUNCTION_EXPECTED))
def test_function_amounts(con, doc_ids, doc):
    got = {
        r["subject_code"]: r
        for r in rows(
            con, "select * from marts.fct_expenditure_by_function where document_id = ?", [doc_ids[doc]]
        )
    }
    for code, amount in FUNCTION_EXPECTED[doc].items():
        assert code in got, f"{doc}: subject {code} missing"
        assert got[code]["total_amount"] == D(amount), f"{doc} {code}"
        level = {3: "类", 5: "款", 7: "项"}[len(code)]
        assert got[code]["subject_level"] == level


def test_function_classes_are_complete(con, doc_ids):
    classes = rows(
        con,
        "select document_id, subject_code from marts.fct_expenditure_by_function "
        "where subject_level = '类' order by 1, 2",
    )
    by_doc: dict[str, list[str]] = {}
    for r in classes:
        by_doc.setdefault(r["document_id"], []).append(r["subject_code"])
    assert by_doc[doc_ids[LIAOYUAN]] == ["208", "210", "221"]
    assert by_doc[doc_ids[CHANGJI]] == ["208", "210", "221", "229"]
    assert by_doc[doc_ids[QUANGANG]] == ["208", "221"]


def test_derived_parents_and_canonical_names(con, doc_ids):
    got = {
        r["subject_code"]: r
        for r in rows(
            con, "select * from marts.fct_expenditure_by_function where document_id = ?", [doc_ids[QUANGANG]]
        )
    }
    assert got["208"]["is_derived"] and got["208"]["source_location"].startswith("derived from")
    assert got["20805"]["is_derived"] and got["20805"]["source_location"] == "derived from 2 rows"
    assert not got["2080109"]["is_derived"] and got["2080109"]["source_location"] == "line 148"
    assert got["208"]["subject_name"] == "社会保障和就业支出"
    # 昌吉 prints 人力资源和社会保障管理事务; the canonical name comes from the seed either way
    changji = {
        r["subject_code"]: r
        for r in rows(
            con, "select * from marts.fct_expenditure_by_function where document_id = ?", [doc_ids[CHANGJI]]
        )
    }
    assert changji["20801"]["subject_name"] == "人力资源和社会保障管理事务"
    assert not any(r["is_derived"] for r in changji.values())


# --------------------------------------------------------------------------- unit_metrics
METRICS_EXPECTED = {
    LIAOYUAN: {
        "total_expenditure": "1292.07",
        "expenditure_208": "1141.27",
        "expenditure_210": "57.76",
        "expenditure_221": "93.04",
        "basic_expenditure": "1292.07",
        "project_expenditure": "0",
        "personnel_expenditure": "1101.59",
        "public_expenditure": "190.48",
        "wage_welfare_expenditure": "1101.59",
        "three_public_total": "0",
        "three_public_outbound": "0",
        "three_public_vehicle_purchase": "0",
        "three_public_vehicle_operation": "0",
        "three_public_reception": "0",
        "operating_expenditure": "124.15",
        "in_service_staff": 89,
        "staff_basis": "在职人员",
    },
    CHANGCHUN: {
        "total_expenditure": "9619.41",
        "expenditure_208": "8836.68",
        "expenditure_210": "195.87",
        "expenditure_221": "586.86",
        "basic_expenditure": "7216.31",
        "project_expenditure": "2403.10",
        "personnel_expenditure": "6241.59",
        "public_expenditure": "974.72",
        "wage_welfare_expenditure": "5946.64",
        "three_public_total": "14.72",
        "three_public_outbound": "0",
        "three_public_vehicle_purchase": "0",
        "three_public_vehicle_operation": "5.40",
        "three_public_reception": "9.32",
        "operating_expenditure": "638.74",
        "in_service_staff": 372,
        "staff_basis": "在职人员",
    },
    CHANGJI: {
        "total_expenditure": "1041.14",
        "expenditure_208": "927.19",
        "expenditure_210": "50.70",
        "expenditure_221": "58.13",
        "basic_expenditure": "1036.02",
        "project_expenditure": "5.13",
        "personnel_expenditure": "983.98",
        "public_expenditure": "52.04",
        "wage_welfare_expenditure": "785.86",
        "three_public_total": "5.20",
        "three_public_outbound": "0",
        "three_public_vehicle_purchase": "0",
        "three_public_vehicle_operation": "5.20",
        "three_public_reception": "0",
        "operating_expenditure": "52.04",
        "in_service_staff": 45,
        "staff_basis": "在职人员",
    },
    BAZHONG: {
        "total_expenditure": "792.56",
        "expenditure_208": "718.35",
        "expenditure_210": "31.6",
        "expenditure_221": "42.61",
        "basic_expenditure": "690.59",
        "project_expenditure": "101.97",
        "personnel_expenditure": "608.97",
        "public_expenditure": "81.63",
        "wage_welfare_expenditure": "580.55",
        "three_public_total": "1.2",
        "three_public_outbound": "0",
        "three_public_vehicle_purchase": "0",
        "three_public_vehicle_operation": "0",
        "three_public_reception": "1.2",
        "operating_expenditure": "792.56",
        "in_service_staff": 34,
        "staff_basis": "财政供给人员",
    },
    QUANGANG: {
        "total_expenditure": "17361.34",
        "expenditure_208": "17339.23",
        "expenditure_210": "0",
        "expenditure_221": "22.11",
        "basic_expenditure": "2488.84",
        "project_expenditure": "14872.50",
        "personnel_expenditure": "2455.50",
        "public_expenditure": "33.34",
        "wage_welfare_expenditure": "254.42",
        "three_public_total": "0",
        "three_public_outbound": "0",
        "three_public_vehicle_purchase": "0",
        "three_public_vehicle_operation": "0",
        "three_public_reception": "0",
        "operating_expenditure": "33.34",
        "in_service_staff": 14,
        "staff_basis": "在职人员",
    },
}

METRIC_CASES = [
    pytest.param(
        doc,
        column,
        id=f"{doc}-{column}",
    )
    for doc in sorted(METRICS_EXPECTED)
    for column in METRICS_EXPECTED[doc]
]


@pytest.mark.parametrize(("doc", "column"), METRIC_CASES)
def test_unit_metrics(con, doc_ids, doc, column):
    (got,) = rows(con, "select * from marts.unit_metrics where document_id = ?", [doc_ids[doc]])
    expected = METRICS_EXPECTED[doc][column]
    if isinstance(expected, str) and column != "staff_basis":
        assert got[column] == D(expected), f"{doc} {column}: {got[column]} != {expected}"
    else:
        assert got[column] == expected


def test_ratios(con, doc_ids):
    (changchun,) = rows(con, "select * from marts.unit_metrics where document_id = ?", [doc_ids[CHANGCHUN]])
    assert changchun["three_public_share"] == D("0.001530")  # 14.72 / 9619.41
    assert changchun["share_208"] == D("0.918630")  # 8836.68 / 9619.41
    assert changchun["per_capita_personnel"] == D("16.778468")  # 6241.59 / 372
    assert changchun["per_capita_wage_welfare"] == D("15.985591")  # 5946.64 / 372
    (bazhong,) = rows(con, "select * from marts.unit_metrics where document_id = ?", [doc_ids[BAZHONG]])
    assert bazhong["per_capita_personnel"] == D("17.910882")  # 608.97 / 34 财政供给人员
    (quangang,) = rows(con, "select * from marts.unit_metrics where document_id = ?", [doc_ids[QUANGANG]])
    assert quangang["share_210"] == D("0")


def test_money_columns_are_decimal(con):
    types = rows(
        con,
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'marts'",
    )
    assert not [t for t in types if "DOUBLE" in t["data_type"] or "FLOAT" in t["data_type"]]
    by_column = {(t["table_name"], t["column_name"]): t["data_type"] for t in types}
    assert by_column[("unit_metrics", "total_expenditure")] == "DECIMAL(20,6)"
    assert by_column[("unit_metrics", "share_208")] == "DECIMAL(12,6)"
    assert by_column[("fct_expenditure_by_function", "total_amount")] == "DECIMAL(20,6)"


# --------------------------------------------------------------------------- dim_unit
def test_dim_unit(con):
    units = {r["unit_name"]: r for r in rows(con, "select * from marts.dim_unit")}
    assert len(units) == 5
    assert units["辽源市社会保险事业管理局"]["region"] == "辽源市"
    assert units["长春市社会保险事业管理局（本级）"]["admin_level"] == "副省级市"
    assert units["昌吉市社会保险中心"]["province"] == "新疆维吾尔自治区"
    assert units["泉州市泉港区社会保险中心"]["region"] == "泉州市泉港区"
    assert all(u["region_source"] == "registry" and u["document_count"] == 1 for u in units.values())
    assert all(u["first_fiscal_year"] == 2024 for u in units.values())


# --------------------------------------------------------------------------- provenance and quality
def test_figure_sources_link_to_where_read(con, doc_ids):
    sources = {(r["document_id"], r["figure"]): r for r in rows(con, "select * from marts.figure_sources")}
    personnel = sources[(doc_ids[LIAOYUAN], "personnel_expenditure")]
    assert (personnel["source_kind"], personnel["table_kind"]) == ("table", "gpb_basic_expenditure")
    assert personnel["value"] == D("1101.59") and personnel["has_conflict"]
    wage = sources[(doc_ids[QUANGANG], "wage_welfare_expenditure")]
    assert (wage["table_kind"], wage["value"]) == ("gpb_basic_expenditure", D("254.42"))
    total = sources[(doc_ids[BAZHONG], "total_expenditure")]
    assert total["source_kind"] == "prose" and total["source_location"].startswith("line ")
    assert all(r["source_location"] for r in sources.values())


def test_garbled_table_never_reaches_the_marts(con, doc_ids):
    doc = doc_ids[LIAOYUAN]
    garbled = {
        r["amount"]
        for r in rows(
            con,
            "select amount from raw.table_facts where document_id = ? and table_kind = 'gpb_expenditure'",
            [doc],
        )
    }
    elsewhere = {
        r["amount"]
        for r in rows(
            con,
            "select amount from raw.table_facts where document_id = ? and table_kind <> 'gpb_expenditure'",
            [doc],
        )
    }
    elsewhere |= {
        r["value"] for r in rows(con, "select value from raw.prose_facts where document_id = ?", [doc])
    }
    only_garbled = garbled - elsewhere
    assert {D("939.54"), D("887.32"), D("85.84"), D("1017.12")} <= only_garbled

    for mart in ("fct_expenditure_by_function", "unit_metrics", "figure_sources"):
        for row in rows(con, f"select * from marts.{mart} where document_id = ?", [doc]):
            leaked = {v for v in row.values() if isinstance(v, Decimal)} & only_garbled
            assert not leaked, f"{mart} shows {leaked} from the garbled 一般公共预算支出表"
    assert not rows(
        con,
        "select * from marts.figure_sources where document_id = ? and table_kind = 'gpb_expenditure'",
        [doc],
    )
    assert {
        r["source_table_kind"]
        for r in rows(
            con,
            "select source_table_kind from marts.fct_expenditure_by_function where document_id = ?",
            [doc],
        )
    } == {"expenditure_summary"}
    # the table's failed checks are reported, with the table excluded
    checks = rows(
        con,
        "select * from marts.quality_issues where document_id = ? and table_kind = 'gpb_expenditure'",
        [doc],
    )
    assert checks and all(r["severity"] == "warning" for r in checks)
    assert all(
        r["resolution"] == "table excluded from marts; figures taken from other sources" for r in checks
    )


def test_conflict_is_recorded(con, doc_ids):
    conflicts = {
        r["figure"]: r
        for r in rows(
            con,
            "select * from marts.quality_issues where document_id = ? and rule = 'figure_conflict'",
            [doc_ids[LIAOYUAN]],
        )
    }
    assert (conflicts["personnel_expenditure"]["expected"], conflicts["personnel_expenditure"]["found"]) == (
        D("1101.59"),
        D("1167.92"),
    )
    assert (conflicts["public_expenditure"]["expected"], conflicts["public_expenditure"]["found"]) == (
        D("190.48"),
        D("124.15"),
    )
    assert conflicts["personnel_expenditure"]["severity"] == "warning"
    assert conflicts["personnel_expenditure"]["resolution"].startswith("used gpb_basic_expenditure table")
    assert "1167.92" in conflicts["personnel_expenditure"]["resolution"]


def test_rounding_differences_do_not_fire(con, doc_ids):
    fired = rows(
        con,
        "select * from marts.quality_issues where document_id in (?, ?, ?) and rule in "
        "('subject_children_sum', 'table_total_vs_top_level', 'total_eq_basic_plus_project', "
        "'basic_eq_personnel_plus_public')",
        [doc_ids[CHANGCHUN], doc_ids[CHANGJI], doc_ids[QUANGANG]],
    )
    assert fired == []


def test_quality_status(con, doc_ids):
    status = {r["document_id"]: r for r in rows(con, "select * from marts.unit_metrics")}
    assert status[doc_ids[LIAOYUAN]]["quality_status"] == "warning"
    assert status[doc_ids[LIAOYUAN]]["quality_issue_count"] > 0
    assert all(r["quality_status"] != "error" for r in status.values())


def test_function_class_shares_long_form_beside_the_focus_columns(con, doc_ids):
    """Every 类 in long form (fct_function_class_shares); unit_metrics has the focus classes (var
    focus_function_classes) as columns and the rest as expenditure_other / share_other."""
    got = {
        r["class_code"]: r
        for r in rows(
            con,
            "select * from marts.fct_function_class_shares where document_id = ?",
            [doc_ids[CHANGJI]],
        )
    }
    assert sorted(got) == ["208", "210", "221", "229"]
    assert got["208"]["amount"] == D("927.19") and got["208"]["share"] == D("0.890553")
    assert got["229"]["amount"] == D("5.13") and got["229"]["share"] == D("0.004927")
    assert got["229"]["class_name"] == "其他支出" and not got["229"]["is_focus_class"]
    assert all(got[code]["is_focus_class"] for code in ("208", "210", "221"))
    [metrics] = rows(con, "select * from marts.unit_metrics where document_id = ?", [doc_ids[CHANGJI]])
    for code in ("208", "210", "221"):
        assert metrics[f"share_{code}"] == got[code]["share"]
    # the rest: total − the focus classes (5.12: the printed 229 row says 5.13, a rounding of the source)
    assert metrics["expenditure_other"] == D("5.12") and metrics["share_other"] == D("0.004917")
