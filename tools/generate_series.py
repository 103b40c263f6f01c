"""Consistent 决算 and multi-year series derived from a seed 预算 text (data/raw/00*.txt), for tests and demos.

    uv run python tools/generate_series.py data/raw/000_e24d4670d260d34e.txt OUT_DIR

writes three text conversions to OUT_DIR (docs/final_accounts.md):

* ``<stem>_final_<Y>.txt`` — the 部门决算 of the seed's year Y: the 决算 table family (收入支出决算总表,
  支出决算表, 财政拨款收入支出决算总表, 一般公共预算财政拨款支出决算表 with 预算数 / 决算数 / 完成率 columns,
  财政拨款“三公”经费支出决算表 with 预算数 / 决算数 / 完成率, the empty 政府性基金 / 国有资本经营 tables with
  their notes) and the execution statements of the 情况说明.  The 预算数 are the seed's 一般公共预算支出表 and
  “三公” figures; each 项's 决算数 is its basic part × 0.99 plus its project part × 0.97 (a “三公” part × 0.8),
  rounded half up to 0.01 万元, every 款 / 类 / total the exact sum of its rows, so every sum holds and every
  stated rate is 100 × 决算数 ÷ 预算数 rounded to 0.01.
* ``<stem>_budget_<Y-1>.txt`` — the 预算 of the year before: the seed with every decimal amount × 1/1.05
  (rounded half up, so every sum holds within the checks' tolerance of 0.01 per term) and its years moved back.
* ``<stem>_budget_<Y>.txt`` — the seed itself with one sentence added to its 情况说明: “支出预算比上年增加 X 万元，
  增长 Y%”, X and Y computed from the two years' extracted total expenditure.

Nothing here is keyed on a unit: the structure comes from the seed's extracted tables.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from extract import extract_file

CENT = Decimal("0.01")
BASIC_FACTOR = Decimal("0.99")
PROJECT_FACTOR = Decimal("0.97")
THREE_PUBLIC_FACTOR = Decimal("0.8")
PREVIOUS_YEAR_DIVISOR = Decimal("1.05")
CN = "一二三四五六七八九十"


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def rate(final: Decimal, budget: Decimal) -> Decimal:
    return cents(100 * final / budget) if budget else Decimal(0)


@dataclass
class Row:
    code: str
    name: str
    budget_basic: Decimal
    budget_project: Decimal
    final_basic: Decimal = Decimal(0)
    final_project: Decimal = Decimal(0)

    @property
    def budget(self) -> Decimal:
        return self.budget_basic + self.budget_project

    @property
    def final(self) -> Decimal:
        return self.final_basic + self.final_project


def subject_rows(extraction) -> list[Row]:
    """The seed's 一般公共预算支出表 by function subject: leaves executed, parents summed from their leaves."""
    rows: dict[str, Row] = {}
    for fact in extraction.table_facts:
        if fact.table_kind != "gpb_expenditure" or not fact.subject_code or fact.subject_system != "function":
            continue
        row = rows.setdefault(
            fact.subject_code, Row(fact.subject_code, fact.row_label, Decimal(0), Decimal(0))
        )
        if fact.column_key == "project":
            row.budget_project = fact.amount
        elif fact.column_key == "total":
            row.budget_basic = fact.amount - row.budget_project if row.budget_basic == 0 else row.budget_basic
            row.final_basic = fact.amount  # the printed total, kept until the columns are all read
    for row in rows.values():  # basic = total − project (a table may print only one of them)
        row.budget_basic = row.final_basic - row.budget_project
        row.final_basic = Decimal(0)
    classes = {c for c in rows if len(c) == 3}
    codes = sorted(c for c in rows if c[:3] in classes)  # a row whose 类 the table does not print is left out
    leaves = [c for c in codes if not any(o != c and o.startswith(c) for o in codes)]
    for code in leaves:
        row = rows[code]
        row.final_basic = cents(row.budget_basic * BASIC_FACTOR)
        row.final_project = cents(row.budget_project * PROJECT_FACTOR)
    for code in codes:
        if code in leaves:
            continue
        children = [rows[c] for c in leaves if c.startswith(code)]
        row = rows[code]
        row.budget_basic = sum((c.budget_basic for c in children), Decimal(0))
        row.budget_project = sum((c.budget_project for c in children), Decimal(0))
        row.final_basic = sum((c.final_basic for c in children), Decimal(0))
        row.final_project = sum((c.final_project for c in children), Decimal(0))
    return [rows[c] for c in codes]


THREE_PUBLIC_PARTS = [
    ("three_public_outbound", "因公出国（境）费"),
    ("three_public_vehicle_purchase", "公务用车购置费"),
    ("three_public_vehicle_operation", "公务用车运行费"),
    ("three_public_reception", "公务接待费"),
]


def three_public_budget(extraction) -> dict[str, Decimal]:
    found = {key: Decimal(0) for key, _ in THREE_PUBLIC_PARTS}
    for fact in extraction.table_facts:
        if fact.table_kind == "three_public" and fact.line_item in found and fact.column_key == "total":
            found[fact.line_item] = fact.amount
    return found


def personnel_budget(extraction) -> Decimal:
    """The seed's 人员经费 (its 一般公共预算基本支出表 total row, column personnel), 0 where it prints none."""
    for fact in extraction.table_facts:
        if (
            fact.table_kind == "gpb_basic_expenditure"
            and fact.line_item == "table_total"
            and fact.column_key == "personnel"
        ):
            return fact.amount
    return Decimal(0)


def numeral(n: int) -> str:
    return CN[n - 1] if n <= 10 else "十" + CN[n - 11]


def final_accounts_text(extraction) -> str:
    doc = extraction.document
    unit, year = doc.unit_name, doc.fiscal_year
    rows = subject_rows(extraction)
    classes = [r for r in rows if len(r.code) == 3]
    budget_total = sum((r.budget for r in classes), Decimal(0))
    final_total = sum((r.final for r in classes), Decimal(0))
    final_basic = sum((r.final_basic for r in classes), Decimal(0))
    final_project = sum((r.final_project for r in classes), Decimal(0))
    opening = cents(budget_total * Decimal("0.01"))
    closing = (
        opening + budget_total - final_total
    )  # 年初 + 本年收入 = 本年支出 + 年末, the income being the budget
    income = budget_total
    three_budget = three_public_budget(extraction)
    three_final = {k: cents(v * THREE_PUBLIC_FACTOR) for k, v in three_budget.items()}
    vehicle_budget = (
        three_budget["three_public_vehicle_purchase"] + three_budget["three_public_vehicle_operation"]
    )
    vehicle_final = (
        three_final["three_public_vehicle_purchase"] + three_final["three_public_vehicle_operation"]
    )
    tp_budget_total = sum(three_budget.values(), Decimal(0))
    tp_final_total = sum(three_final.values(), Decimal(0))
    t = "\t"
    out = [unit, f"{year}年部门决算", "", f"第二部分 {unit}{year}年度部门决算表", ""]

    out += ["一、收入支出决算总表", "单位：万元", f"收入{t}{t}支出{t}", f"项目{t}决算数{t}项目{t}决算数"]
    side = [(f"{numeral(i + 1)}、{r.name}", r.final) for i, r in enumerate(classes)]
    out.append(f"一、一般公共预算财政拨款收入{t}{income}{t}{side[0][0]}{t}{side[0][1]}")
    out += [f"{t}{t}{name}{t}{amount}" for name, amount in side[1:]]
    out += [
        f"本年收入合计{t}{income}{t}本年支出合计{t}{final_total}",
        f"年初结转和结余{t}{opening}{t}年末结转和结余{t}{closing}",
        f"总计{t}{income + opening}{t}总计{t}{final_total + closing}",
        "",
    ]

    out += [
        "二、支出决算表",
        "单位：万元",
        f"科目编码{t}科目名称{t}本年支出合计{t}基本支出{t}项目支出",
        f"合计{t}{t}{final_total}{t}{final_basic}{t}{final_project}",
    ]
    out += [f"{r.code}{t}{r.name}{t}{r.final}{t}{r.final_basic}{t}{r.final_project}" for r in rows]
    out.append("")

    out += [
        "二、收入决算表",
        "单位：万元",
        f"科目编码{t}科目名称{t}本年收入合计{t}财政拨款收入",
        f"合计{t}{t}{final_total}{t}{final_total}",
    ]
    out += [f"{r.code}{t}{r.name}{t}{r.final}{t}{r.final}" for r in rows]
    out.append("")

    out += [
        "三、财政拨款收入支出决算总表",
        "单位：万元",
        f"收入{t}{t}支出{t}{t}",
        f"项目{t}决算数{t}项目{t}合计{t}一般公共预算财政拨款",
    ]
    out.append(f"一、一般公共预算财政拨款{t}{income}{t}{side[0][0]}{t}{side[0][1]}{t}{side[0][1]}")
    out += [f"{t}{t}{name}{t}{amount}{t}{amount}" for name, amount in side[1:]]
    out += [
        f"本年收入合计{t}{income}{t}本年支出合计{t}{final_total}{t}{final_total}",
        f"年初财政拨款结转和结余{t}{opening}{t}年末财政拨款结转和结余{t}{closing}{t}{closing}",
        f"总计{t}{income + opening}{t}总计{t}{final_total + closing}{t}{final_total + closing}",
        "",
    ]

    out += [
        "四、一般公共预算财政拨款支出决算表",
        "单位：万元",
        f"科目编码{t}科目名称{t}预算数{t}决算数{t}基本支出{t}项目支出{t}完成率（%）",
    ]
    out += [
        f"{r.code}{t}{r.name}{t}{r.budget}{t}{r.final}{t}{r.final_basic}{t}{r.final_project}{t}"
        f"{rate(r.final, r.budget)}"
        for r in rows
    ]
    out.append(
        f"合计{t}{t}{budget_total}{t}{final_total}{t}{final_basic}{t}{final_project}{t}"
        f"{rate(final_total, budget_total)}"
    )
    out.append("")

    personnel = min(cents(personnel_budget(extraction) * BASIC_FACTOR), final_basic)
    out += [
        "四、一般公共预算财政拨款基本支出决算表",
        "单位：万元",
        f"科目编码{t}科目名称{t}决算数{t}科目编码{t}科目名称{t}决算数",
        f"人员经费合计{t}{t}{personnel}{t}公用经费合计{t}{t}{final_basic - personnel}",
        "",
    ]

    out += [
        "五、财政拨款“三公”经费支出决算表",
        "单位：万元",
        f"项目{t}预算数{t}决算数{t}完成率（%）",
        f"合计{t}{tp_budget_total}{t}{tp_final_total}{t}{rate(tp_final_total, tp_budget_total)}",
    ]
    for key, label in THREE_PUBLIC_PARTS:
        if key == "three_public_vehicle_purchase":
            out.append(
                f"公务用车购置及运行费{t}{vehicle_budget}{t}{vehicle_final}{t}{rate(vehicle_final, vehicle_budget)}"
            )
        out.append(
            f"{label}{t}{three_budget[key]}{t}{three_final[key]}{t}{rate(three_final[key], three_budget[key])}"
        )
    out.append("")
    out += [
        "六、政府性基金预算财政拨款收入支出决算表",
        "单位：万元",
        f"科目编码{t}科目名称{t}年初结转和结余{t}本年收入{t}本年支出{t}年末结转和结余",
        f"合计{t}{t}{t}{t}{t}",
        f"注：{unit}无政府性基金预算财政拨款收入和支出，故本表无数据。",
        "",
    ]
    out += [
        "七、国有资本经营预算财政拨款收入支出决算表",
        "单位：万元",
        f"科目编码{t}科目名称{t}年初结转和结余{t}本年收入{t}本年支出{t}年末结转和结余",
        f"合计{t}{t}{t}{t}{t}",
        f"注：{unit}无国有资本经营预算财政拨款收入和支出，故本表无数据。",
        "",
    ]

    out += [
        f"第三部分 {unit}{year}年度部门决算情况说明",
        "",
        "一、收入支出决算总体情况说明",
        f"{unit}{year}年度收入支出总计{income + opening}万元。",
        "",
        "二、支出决算情况说明",
        f"本年支出合计{final_total}万元。",
        "",
        "三、一般公共预算财政拨款支出决算情况说明",
        f"一般公共预算财政拨款支出年初预算为{budget_total}万元，支出决算为{final_total}万元，"
        f"完成年初预算的{rate(final_total, budget_total)}%。"
        + ("决算数小于预算数的主要原因：项目按进度执行。" if final_total < budget_total else ""),
        "",
    ]
    if tp_budget_total:
        out += [
            "四、财政拨款“三公”经费支出决算情况说明",
            (
                f"“三公”经费财政拨款支出年初预算为{tp_budget_total}万元，支出决算为{tp_final_total}万元，"
                f"完成预算的{rate(tp_final_total, tp_budget_total)}%。决算数小于预算数的主要原因：厉行节约。"
            ),
            "",
        ]
    number = 0
    for index, line in enumerate(out):  # the tables numbered in the order printed
        if re.match(r"^[一二三四五六七八九十]+、.*决算表$", line):
            number += 1
            out[index] = f"{numeral(number)}、" + line.split("、", 1)[1]
    return "\n".join(out) + "\n"


_AMOUNT = re.compile(r"(?<![\d.])(\d[\d,]*\.\d+)(?![\d.]*\s*[%％])")


def previous_year_text(seed_text: str, year: int) -> str:
    """The seed one year back: every decimal amount ÷ 1.05 (half up to its printed decimals), its years − 1."""

    def scale(match: re.Match[str]) -> str:
        raw = match.group(1)
        places = len(raw.split(".")[1])
        value = (Decimal(raw.replace(",", "")) / PREVIOUS_YEAR_DIVISOR).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
        )
        return f"{value:,}" if "," in raw else str(value)

    text = _AMOUNT.sub(scale, seed_text)
    return re.sub(rf"(?<!\d){year}(?=\s*年)", str(year - 1), text)


def year_on_year_sentence(total: Decimal, previous: Decimal) -> str:
    change = total - previous
    word, rate_word = ("增加", "增长") if change >= 0 else ("减少", "下降")
    return f"支出预算比上年{word}{abs(change)}万元，{rate_word}{rate(abs(change), previous)}%。"


def total_expenditure(extraction) -> Decimal:
    for kind, item in (
        ("income_expenditure_summary", "expenditure_total"),
        ("expenditure_summary", "table_total"),
    ):
        for fact in extraction.table_facts:
            if fact.table_kind == kind and fact.line_item == item and fact.column_key == "total":
                return fact.amount
    raise ValueError("the seed prints no total expenditure")


def generate(seed: Path, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    extraction = extract_file(seed)
    year = extraction.document.fiscal_year
    seed_text = seed.read_text(encoding="utf-8")
    paths = {
        "final": out_dir / f"{seed.stem}_final_{year}.txt",
        "previous_budget": out_dir / f"{seed.stem}_budget_{year - 1}.txt",
        "budget": out_dir / f"{seed.stem}_budget_{year}.txt",
    }
    paths["final"].write_text(final_accounts_text(extraction), encoding="utf-8")
    paths["previous_budget"].write_text(previous_year_text(seed_text, year), encoding="utf-8")
    previous = total_expenditure(extract_file(paths["previous_budget"]))
    sentence = year_on_year_sentence(total_expenditure(extraction), previous)
    paths["budget"].write_text(seed_text.rstrip("\n") + "\n\n" + sentence + "\n", encoding="utf-8")
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for role, path in generate(Path(sys.argv[1]), Path(sys.argv[2])).items():
        print(role, path)
