"""Reading a table's header: which rows are header, and what each column holds.

Multi-row headers with merged cells are flattened column by column into a *path* (e.g.
``基本支出/人员经费``): an upper cell spans to the right over empty cells as long as a lower header row
has something in that column.  The role of a column comes from the lowest meaningful cell of its path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extract.model import GridRow
from extract.text_clean import is_amount, normalise_parens, parse_amount, squash
from extract.vocabulary import ColumnKey

CODE_PART_ROLES = {"类": "code_lei", "款": "code_kuan", "项": "code_xiang"}


@dataclass(frozen=True)
class Column:
    index: int
    path: tuple[str, ...]
    role: str  # 'label' | 'code' | 'code_lei' | 'code_kuan' | 'code_xiang' | a ColumnKey value | 'ignore'

    @property
    def label(self) -> str:
        return "/".join(p for p in self.path if p)

    @property
    def is_amount(self) -> bool:
        return self.role not in ("label", "code", "code_lei", "code_kuan", "code_xiang", "ignore")


def cell_text(cell: str) -> str:
    return normalise_parens(squash(cell))


def is_index_row(row: GridRow) -> bool:
    """The ※ 1 2 3 column-number row, or a placeholder row of asterisks."""
    cells = [cell_text(c) for c in row.cells if cell_text(c)]
    if not cells:
        return True
    if any(c.startswith("※") for c in cells):
        return True
    stars = [c for c in cells if re.fullmatch(r"\*+", c)]
    return bool(stars) and all(c in stars or parse_amount(c) == 0 for c in cells)


_TOTAL_LABEL = re.compile(r"^(合计|总计|小计|本年收入合计|本年支出合计|收入总计|支出总计|收入合计|支出合计)$")
_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")


def looks_like_data(row: GridRow) -> bool:
    cells = [cell_text(c) for c in row.cells]
    if any(is_amount(c) and not re.fullmatch(r"\d{4}", c) for c in cells[1:]):
        return True
    for position, cell in enumerate(cells[:3]):
        if _TOTAL_LABEL.match(cell):
            before = [c for c in cells[:position] if c and not _CODE.match(c)]
            others = [c for c in cells[position + 1 :] if c and not is_amount(c)]
            return not others and not before
    return False


def split_header(rows: list[GridRow]) -> tuple[list[GridRow], list[GridRow]]:
    """Header rows are those before the first data row; index rows are dropped."""
    header: list[GridRow] = []
    for position, row in enumerate(rows):
        if is_index_row(row):
            continue
        if looks_like_data(row) or _first_cell_is_code(row):
            return header, [r for r in rows[position:] if not is_index_row(r)]
        header.append(row)
    return header, []


def _first_cell_is_code(row: GridRow) -> bool:
    cells = [cell_text(c) for c in row.cells]
    return bool(cells) and bool(_CODE.match(cells[0]))


def column_paths(header: list[GridRow], width: int) -> list[tuple[str, ...]]:
    grid = [[cell_text(c) for c in row.cells] + [""] * (width - len(row.cells)) for row in header]
    for r, row in enumerate(grid):
        for c in range(1, width):
            if (
                row[c] == ""
                and row[c - 1] != ""
                and any(grid[lower][c] for lower in range(r + 1, len(grid)))
                and (r == 0 or grid[r - 1][c] == grid[r - 1][c - 1])
            ):
                # an upper merged cell spans right while a lower header row still has content here, and never
                # out of the cell above it (公务用车运行费 does not run on under 公务接待费)
                row[c] = row[c - 1]
    return [tuple(grid[r][c] for r in range(len(grid))) for c in range(width)]


# Role keywords, tried on one header cell.  Order matters: the first match wins.
_ROLE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("code", re.compile(r"(科目)?(编码|代码)$|^科目编码|^编码$")),
    (ColumnKey.RESERVE, re.compile(r"预留机动|机动经费")),
    (ColumnKey.PERSONNEL, re.compile(r"人员经费|人员支出|^工资福利")),
    (ColumnKey.PUBLIC, re.compile(r"公用经费|公用支出")),
    (ColumnKey.BASIC, re.compile(r"基本支出")),
    (ColumnKey.PROJECT, re.compile(r"项目支出")),
    (ColumnKey.BUSINESS, re.compile(r"经营支出")),
    (ColumnKey.REMIT_UPWARD, re.compile(r"上缴上级")),
    (ColumnKey.SUBSIDY_SUBORDINATE, re.compile(r"对附属单位")),
    (ColumnKey.IN_SERVICE, re.compile(r"在职人数|在职人员")),
    (ColumnKey.CARRYOVER, re.compile(r"上年结转|结转结余|财政拨款结转")),
    (ColumnKey.CURRENT_YEAR, re.compile(r"^(当年|本年)(预算|财政拨款|收入)?$")),
    (ColumnKey.FISCAL, re.compile(r"^财政拨款(（补助）)?(收入)?(小计|合计)?$")),
    (ColumnKey.GPB, re.compile(r"一般公共预算")),
    (ColumnKey.GOV_FUND, re.compile(r"政府性基金")),
    (ColumnKey.STATE_CAPITAL, re.compile(r"国有资本经营")),
    (ColumnKey.SPECIAL_ACCOUNT, re.compile(r"财政专户")),
    (
        ColumnKey.UNIT_FUNDS,
        re.compile(r"单位资金|事业收入|上级补助|附属单位上缴|其他收入|事业基金|非财政拨款"),
    ),
    (ColumnKey.TOTAL, re.compile(r"^(合计|总计|小计|金额|预算数|本年预算数?)$|\d{4}年.*预算数|^预算数")),
    (
        "label",
        re.compile(r"名称|^项目$|^科目$|功能分类|经济分类|^支出内容|内容$|^部门|^单位|^类型|^项目名称"),
    ),
]


def role_of_cell(cell: str) -> str | None:
    if cell in CODE_PART_ROLES:
        return CODE_PART_ROLES[cell]
    for role, pattern in _ROLE_PATTERNS:
        if pattern.search(cell):
            return str(role)
    return None


# Parents whose 合计/小计 column is their own subtotal (基本支出/合计 = basic); under any other parent
# (一般公共预算支出/合计, 支出预算/合计) a 合计 column is the row's total.
_SPANNING_PARENTS = {
    ColumnKey.BASIC,
    ColumnKey.PROJECT,
    ColumnKey.PERSONNEL,
    ColumnKey.PUBLIC,
    ColumnKey.RESERVE,
    ColumnKey.CURRENT_YEAR,
    ColumnKey.CARRYOVER,
    ColumnKey.FISCAL,
}


def role_of_path(path: tuple[str, ...]) -> str:
    """The lowest meaningful cell decides; a generic 合计/小计 under a specific parent takes the parent's role."""
    cells = [c for c in path if c]
    if not cells:
        return "ignore"
    lowest = role_of_cell(cells[-1])
    if lowest == ColumnKey.TOTAL or lowest is None:
        for upper in reversed(cells[:-1]):
            parent = role_of_cell(upper)
            if parent in _SPANNING_PARENTS:
                return parent
        return lowest or ColumnKey.OTHER.value
    return lowest


# --------------------------------------------------------------------------- 决算 tables
# In a 决算 (final accounts) table 决算数 is the table's own figure ('total', as 预算数 is in a 预算 table); 预算数
# printed beside it is the budget it is measured against; the fund tables print the balance identity's columns.
_FINAL_ROLES: list[tuple[str, re.Pattern[str]]] = [
    (ColumnKey.COMPLETION_RATE, re.compile(r"完成率|完成预算|执行率|[%％]")),
    (ColumnKey.OPENING_BALANCE, re.compile(r"年初.*结转和?结余|上年结转和?结余")),
    (ColumnKey.CLOSING_BALANCE, re.compile(r"年末.*结转和?结余")),
]
_FINAL_BUDGET = re.compile(r"预算数|^(年初|全年|调整)?预算$|^(年初|全年|调整后?)预算")
_FINAL_AMOUNT = re.compile(r"决算数|^决算$|^(本年收入|本年支出)合计$")


def final_role(path: tuple[str, ...], role: str, *, fund_table: bool = False) -> str:
    """The role of a 决算 table's column: ``role`` (what the 预算 reading gave) unless the path says one of the
    决算 roles.  ``fund_table``: a 政府性基金 / 国有资本经营 table, whose 本年收入 and 本年支出 (小计) are
    the terms of 年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余."""
    cells = [c for c in path if c]
    if not cells:
        return role
    lowest = cells[-1]
    for key, pattern in _FINAL_ROLES:
        if any(pattern.search(c) for c in cells):
            return str(key)
    if _FINAL_BUDGET.search(lowest) and "决算" not in lowest:
        return str(ColumnKey.BUDGET)
    if _FINAL_AMOUNT.search(lowest):
        return str(ColumnKey.TOTAL)
    if fund_table and re.fullmatch(r"本年收入(合计)?", lowest):
        return str(ColumnKey.CURRENT_INCOME)
    if (
        fund_table
        and any(re.fullmatch(r"本年支出(合计)?", c) for c in cells)
        and re.fullmatch(r"本年支出(合计)?|小计|合计", lowest)
    ):
        return str(ColumnKey.CURRENT_EXPENDITURE)
    if role in (ColumnKey.OTHER, "ignore", ColumnKey.TOTAL) and "公共预算" in lowest:
        return str(ColumnKey.GPB)  # “般公共预算财政拨款”: a text layer that lost the 一
    if role == ColumnKey.OTHER and re.fullmatch(r"经营收入", lowest):
        return str(ColumnKey.UNIT_FUNDS)
    return role


def analyse_columns(header: list[GridRow], data: list[GridRow]) -> list[Column]:
    width = max([len(r.cells) for r in header + data] or [0])
    paths = column_paths(header, width)
    columns = [Column(i, paths[i], role_of_path(paths[i])) for i in range(width)]
    return _fill_from_data(columns, data)


def _fill_from_data(columns: list[Column], data: list[GridRow]) -> list[Column]:
    """Where the header says nothing useful, look at the data: text → label, 3/5/7 digits → code."""
    has_label = any(c.role == "label" for c in columns)
    fixed = []
    for column in columns:
        values = [cell_text(r.cells[column.index]) for r in data if column.index < len(r.cells)]
        values = [v for v in values if v]
        if column.role in ("ignore", ColumnKey.OTHER) and values:
            texty = sum(1 for v in values if not is_amount(v)) / len(values)
            if texty > 0.5 and not has_label:
                column = Column(column.index, column.path, "label")
                has_label = True
            elif texty > 0.5:
                column = Column(column.index, column.path, "ignore")
        fixed.append(column)
    return fixed
