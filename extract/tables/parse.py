"""Turning a located table into long-format facts.

Three shapes cover the family:
- subject tables (支出总表, 一般公共预算支出表, 基本支出表, 收入总表 by subject …): one row per subject,
  whatever the code layout (7-digit code column, 类/款/项 split columns, code in the label, names only);
- two-sided summaries (收支总表, 财政拨款收支总表): an income side and an expenditure side in one grid;
- the “三公” table, printed row-wise (one row per part) or column-wise (one column per part).
Everything else (project lists, carry-over details, staffing) is read generically: label + amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from extract.catalogue import kinds_where, table_kinds
from extract.model import ExtractionWarning, GridRow, TableFact, TableRecord, source_location
from extract.subjects import ECONOMIC, FUNCTION, catalogue
from extract.tables.header import (
    CODE_PART_ROLES,
    Column,
    analyse_columns,
    cell_text,
    final_role,
    role_of_path,
    split_header,
)
from extract.tables.locate import LocatedTable
from extract.text_clean import clean_name, parse_amount, squash, strip_numbering
from extract.vocabulary import FINAL_KINDS, ColumnKey, LineItem, TableKind, base_kind

UNIT_FACTORS = {
    "万元": Decimal(1),
    "元": Decimal("0.0001"),
    "千元": Decimal("0.1"),
    "亿元": Decimal(10000),
    "人": Decimal(1),
}

# How a kind is read, from its catalogue row (dbt/seeds/table_kinds.csv, extract.catalogue): the parser looks at
# a table's base kind (a 决算 kind is read as its 预算 counterpart), except fund_account, a 决算 kind's own.
FUNCTION_KINDS = frozenset(map(TableKind, kinds_where(subject_system=FUNCTION)))
ECONOMIC_KINDS = frozenset(map(TableKind, kinds_where(subject_system=ECONOMIC)))
TWO_SIDED_KINDS = frozenset(map(TableKind, kinds_where(shape="summary")))
THREE_PUBLIC_KINDS = frozenset(map(TableKind, kinds_where(shape="three_public")))
NO_FACT_KINDS = frozenset(map(TableKind, kinds_where(shape="list")))
FUND_KINDS = frozenset(map(TableKind, kinds_where(fund_account=True)))
# the kinds whose rows may be the function breakdown (function_source_rank): codes they print are function codes
# even where the kind fixes no subject system (收入总表)
FUNCTION_SOURCE_KINDS = frozenset(
    TableKind(e.table_kind) for e in table_kinds() if e.function_source_rank is not None
)

_LINE_ITEMS: list[tuple[re.Pattern[str], LineItem]] = [
    (re.compile(r"^收入总计$"), LineItem.INCOME_TOTAL),
    (re.compile(r"^支出总计$"), LineItem.EXPENDITURE_TOTAL),
    (re.compile(r"^收入合计$"), LineItem.INCOME_TOTAL),
    (re.compile(r"^支出合计$"), LineItem.EXPENDITURE_TOTAL),
    (re.compile(r"^本年收入(合计)?$"), LineItem.INCOME_CURRENT_TOTAL),
    (re.compile(r"^本年支出(合计)?$"), LineItem.EXPENDITURE_CURRENT_TOTAL),
    (re.compile(r"^上年结转(结余)?$|^上年结转结余"), LineItem.INCOME_CARRYOVER),
    (re.compile(r"^结转下年"), LineItem.EXPENDITURE_CARRYOVER_OUT),
    (re.compile(r"^一般公共预算(拨款)?(收入)?$"), LineItem.INCOME_GPB),
    (re.compile(r"^(合计|总计)$"), LineItem.TABLE_TOTAL),
]
# rows of the 决算 family only (a 预算 table is read exactly as before)
_FINAL_LINE_ITEMS: list[tuple[re.Pattern[str], LineItem]] = [
    (re.compile(r"^年初.*结转和?结余$"), LineItem.OPENING_BALANCE),
    (re.compile(r"^年末.*结转和?结余$"), LineItem.CLOSING_BALANCE),
    (re.compile(r"^人员经费(合计)?$"), LineItem.PERSONNEL_TOTAL),
    (re.compile(r"^公用经费(合计)?$"), LineItem.PUBLIC_TOTAL),
    (re.compile(r"^一?般公共预算财政拨款(收入)?$"), LineItem.INCOME_GPB),
]

_THREE_PUBLIC_PARTS: list[tuple[re.Pattern[str], LineItem]] = [
    (re.compile(r"三公.*合计|^合计$|^总计$"), LineItem.THREE_PUBLIC_TOTAL),
    (re.compile(r"因公出国"), LineItem.THREE_PUBLIC_OUTBOUND),
    (re.compile(r"公务接待"), LineItem.THREE_PUBLIC_RECEPTION),
    (re.compile(r"公务用车购置及运行"), LineItem.THREE_PUBLIC_VEHICLE),
    (re.compile(r"公务用车购置(费)?$|车辆购置|公务用车购置费"), LineItem.THREE_PUBLIC_VEHICLE_PURCHASE),
    (re.compile(r"公务用车运行"), LineItem.THREE_PUBLIC_VEHICLE_OPERATION),
    (re.compile(r"机关运行经费"), LineItem.OPERATING_EXPENDITURE),  # printed beside the 三公 parts (上海)
]

_CODE_PREFIX = re.compile(r"^(\d{3}(?:\d{2}){0,2})(?:\s*[-－—.、]\s*|\s+)(.+)$")


@dataclass
class ParsedTable:
    record: TableRecord
    facts: list[TableFact] = field(default_factory=list)
    warnings: list[ExtractionWarning] = field(default_factory=list)


def line_item_of(label: str, *, final: bool = False) -> LineItem | None:
    name = clean_name(label).replace("：", "")
    for pattern, item in (_FINAL_LINE_ITEMS + _LINE_ITEMS) if final else _LINE_ITEMS:
        if pattern.search(name):
            return item
    return None


def three_public_part(text: str) -> LineItem | None:
    name = clean_name(text)
    for pattern, item in _THREE_PUBLIC_PARTS:
        if pattern.search(name):
            return item
    return None


class _FactSink:
    def __init__(self, document_id: str, table_id: int, table: LocatedTable):
        self.document_id = document_id
        self.table_id = table_id
        self.table = table
        self.factor = UNIT_FACTORS.get(table.unit_label, Decimal(1))
        self.facts: list[TableFact] = []
        self.warnings: list[ExtractionWarning] = []
        self.row_index = 0

    def next_row(self) -> int:
        self.row_index += 1
        return self.row_index

    def add(
        self,
        row: GridRow,
        row_index: int,
        label: str,
        column_key: str,
        column_label: str,
        raw_amount: str,
        *,
        system=None,
        code=None,
        level=None,
        parent=None,
        origin=None,
        line_item=None,
    ) -> None:
        rate = column_key == ColumnKey.COMPLETION_RATE
        amount = parse_amount(raw_amount.replace("%", "").replace("％", "") if rate else raw_amount)
        if amount is None:
            return
        self.facts.append(
            TableFact(
                document_id=self.document_id,
                table_id=self.table_id,
                table_kind=self.table.kind.value,
                row_index=row_index,
                row_label=label,
                subject_system=system,
                subject_code=code,
                subject_level=level,
                parent_code=parent,
                code_origin=origin,
                line_item=line_item.value if line_item else None,
                column_key=str(column_key),
                column_label=column_label,
                amount=amount if rate else amount * self.factor,
                unit_label="%" if rate else self.table.unit_label,
                source_line=row.line,
                source_page=row.page,
                raw_text=row.raw_text,
            )
        )

    def warn(self, kind: str, row: GridRow, message: str) -> None:
        self.warnings.append(
            ExtractionWarning(self.document_id, kind, source_location(row.line, row.page), message)
        )


def parse_table(document_id: str, table_id: int, table: LocatedTable) -> ParsedTable:
    sink = _FactSink(document_id, table_id, table)
    header, data = split_header(table.rows)
    final = table.kind in FINAL_KINDS
    kind = base_kind(table.kind)  # a 决算 table has the shape of its 预算 counterpart
    columns = analyse_columns(header, data)
    if final:
        columns, data = _final_columns(table.kind, columns, data)
    if table.kind == TableKind.GPB_BASIC_EXPENDITURE:
        # in the basic-spending table, “基本支出/合计” is the table's own total (a rule of this one kind, not of a
        # shape: the other economic kinds, and its 决算 counterpart, keep their basic column)
        columns = [
            Column(c.index, c.path, ColumnKey.TOTAL.value) if c.role == ColumnKey.BASIC else c
            for c in columns
        ]
    system, layout = None, "none"
    if kind in NO_FACT_KINDS:
        pass
    elif kind in TWO_SIDED_KINDS:
        layout = _parse_two_sided(sink, header, data, final=final)
    elif kind in THREE_PUBLIC_KINDS:
        _parse_three_public(sink, header, data, columns)
    else:
        system = _subject_system(kind, header, columns)
        if final and system == ECONOMIC:
            data = _side_by_side(columns, data)
            columns = columns[: _half_width(columns) or len(columns)]
        layout = _parse_rows(sink, data, columns, system, final=final)
    amounts = [f.amount for f in sink.facts]
    is_empty = not amounts or (all(a == 0 for a in amounts) and bool(table.notes))
    record = TableRecord(
        document_id=document_id,
        table_id=table_id,
        table_kind=table.kind.value,
        title=table.title,
        unit_label=table.unit_label,
        is_empty=is_empty,
        empty_note=" ".join(table.notes),
        subject_system=system,
        code_layout=layout,
        row_count=len(data),
        start_line=table.rows[0].line if table.rows else table.title_line,
        end_line=table.rows[-1].line if table.rows else table.title_line,
        start_page=table.rows[0].page if table.rows else None,
        end_page=table.rows[-1].page if table.rows else None,
    )
    return ParsedTable(record, sink.facts, sink.warnings)


# --------------------------------------------------------------------------- 决算 columns
def _final_columns(
    kind: TableKind, columns: list[Column], data: list[GridRow]
) -> tuple[list[Column], list[GridRow]]:
    """The 决算 roles of a table's columns (header.final_role); where the 类/款/项 cells head the first data
    row (the 合计 row printed on the same line), those columns are the split code columns."""
    fund = kind in FUND_KINDS
    columns = [Column(c.index, c.path, final_role(c.path, c.role, fund_table=fund)) for c in columns]
    if data:
        first = [cell_text(c) for c in data[0].cells]
        parts = {i: CODE_PART_ROLES[v] for i, v in enumerate(first) if v in CODE_PART_ROLES}
        if "code_lei" in parts.values() and "code_kuan" in parts.values():
            columns = [Column(c.index, c.path, parts[c.index]) if c.index in parts else c for c in columns]
            cells = tuple("" if i in parts else c for i, c in enumerate(data[0].cells))
            data = [
                GridRow(cells=cells, line=data[0].line, page=data[0].page, raw_text=data[0].raw_text),
                *data[1:],
            ]
    return columns, data


def _half_width(columns: list[Column]) -> int | None:
    """A table printed as two tables side by side (经济分类 | 名称 | 决算数 twice): the width of one half."""
    labels = [c.index for c in columns if c.role == "label"]
    if len(labels) != 2:
        return None
    half = labels[1] - labels[0]
    if len(columns) != 2 * half or [c.role for c in columns[:half]] != [c.role for c in columns[half:]]:
        return None
    return half


def _side_by_side(columns: list[Column], data: list[GridRow]) -> list[GridRow]:
    """The rows of a side-by-side table as one table: every left half, then every right half."""
    half = _half_width(columns)
    if half is None:
        return data
    left = [GridRow(cells=tuple(r.cells[:half]), line=r.line, page=r.page, raw_text=r.raw_text) for r in data]
    right = [
        GridRow(cells=tuple(r.cells[half : 2 * half]), line=r.line, page=r.page, raw_text=r.raw_text)
        for r in data
    ]
    return left + right


def _subject_system(kind: TableKind, header: list[GridRow], columns: list[Column]) -> str | None:
    header_text = "".join(cell_text(c) for r in header for c in r.cells)
    if "经济分类" in header_text or kind in ECONOMIC_KINDS:
        return ECONOMIC
    if kind in FUNCTION_KINDS or "功能分类" in header_text:
        return FUNCTION
    if kind in FUNCTION_SOURCE_KINDS and any(c.role in ("code_lei",) for c in columns):
        return FUNCTION
    if kind in FUNCTION_SOURCE_KINDS and re.search(r"科目", header_text):
        return FUNCTION
    return None


# --------------------------------------------------------------------------- subject and generic rows
def _row_code_and_label(row: GridRow, columns: list[Column]) -> tuple[str, str]:
    cells = [cell_text(c) for c in row.cells] + [""] * (len(columns) - len(row.cells))
    label = "".join(cells[c.index] for c in columns if c.role == "label" and c.index < len(cells))
    code = "".join(cells[c.index] for c in columns if c.role == "code")
    split = [cells[c.index] for c in columns if c.role in ("code_lei", "code_kuan", "code_xiang")]
    if not code and split:
        # a spreadsheet that dropped the leading zero prints 款 “2” for “02”
        code = split[0] + "".join(part.zfill(2) if re.fullmatch(r"\d", part) else part for part in split[1:])
    if code and not re.fullmatch(r"\d+", code):  # e.g. 合计 printed in the code column
        label, code = label or code, ""
    return code, label


def _parse_rows(
    sink: _FactSink, data: list[GridRow], columns: list[Column], system: str | None, *, final: bool = False
) -> str:
    amount_columns = [c for c in columns if c.is_amount]
    has_code_column = any(c.role == "code" for c in columns)
    has_split = any(c.role == "code_lei" for c in columns)
    layout = "split_columns" if has_split else "code_column" if has_code_column else "names_only"
    cat = catalogue(system) if system else None
    codes_in_table: set[str] = set()
    lei = kuan = None
    printed_any = False
    rows_out = []
    for row in data:
        code, label = _row_code_and_label(row, columns)
        if not code and label:
            match = _CODE_PREFIX.match(label)
            if match and cat:
                code, label = match.group(1), match.group(2)
        name = clean_name(label)
        has_amount = any(
            parse_amount(row.cells[c.index]) is not None for c in amount_columns if c.index < len(row.cells)
        )
        if not code and not name:
            if not (has_amount and not rows_out):
                continue
            label = "合计"  # a first data row with amounts and no label at all: the table's total row
        line_item = line_item_of(label, final=final) if not code else None
        resolution = None
        if cat and code and re.fullmatch(r"\d+", code):
            resolution = cat.resolve_printed(code)
            printed_any = True
            if (
                code[:3] not in cat.by_code and name
            ):  # a garbled code (“7 11 02” for 210 11 02): read the name
                by_name = cat.resolve_name(name, lei=lei, kuan=kuan)
                if by_name is not None and by_name.origin in ("name", "alias"):
                    sink.warn(
                        "printed_code_corrected",
                        row,
                        f"printed code {code} is not a subject; '{name}' read as {by_name.code} by its name",
                    )
                    resolution = by_name
        elif cat and name and line_item is None:
            _, numbered = strip_numbering(squash(label))
            resolution = cat.resolve_name(name, lei=lei, kuan=kuan, top_level_only=numbered)
            if resolution is None and has_amount:
                sink.warn("unresolved_subject", row, f"no {system} subject matches the row name '{name}'")
            elif resolution is not None and resolution.origin == "fuzzy":
                sink.warn(
                    "fuzzy_subject",
                    row,
                    f"'{name}' read as {resolution.code} {cat.by_code[resolution.code].name}",
                )
        parent = None
        if resolution:
            if resolution.level == "类":
                lei, kuan = resolution.code, None
            elif resolution.level == "款":
                parent = lei if resolution.origin != "printed" else None
                kuan = resolution.code
                lei = lei if resolution.origin != "printed" else resolution.code[:3]
            else:
                parent = (kuan or lei) if resolution.origin != "printed" else None
            codes_in_table.add(resolution.code)
        rows_out.append((row, name or label, resolution, parent, line_item))
    for row, label, resolution, parent, line_item in rows_out:
        if resolution and resolution.origin == "printed":
            parent = next(
                (
                    resolution.code[:n]
                    for n in (5, 3)
                    if n < len(resolution.code) and resolution.code[:n] in codes_in_table
                ),
                None,
            )
        row_index = sink.next_row()
        cells = list(row.cells)
        for column in amount_columns:
            if column.index < len(cells):
                sink.add(
                    row,
                    row_index,
                    label,
                    column.role,
                    column.label,
                    cells[column.index],
                    system=system if resolution else None,
                    code=resolution.code if resolution else None,
                    level=resolution.level if resolution else None,
                    parent=parent,
                    origin=resolution.origin if resolution else None,
                    line_item=line_item,
                )
    if system and not printed_any and layout != "names_only":
        layout = "names_only"
    return layout


# --------------------------------------------------------------------------- two-sided summaries
def _parse_two_sided(
    sink: _FactSink, header: list[GridRow], data: list[GridRow], *, final: bool = False
) -> str:
    width = max(len(r.cells) for r in header + data) if (header or data) else 0
    split = None
    for row in header:
        for index, cell in enumerate(row.cells):
            text = cell_text(cell)
            if index > 0 and "支出" in text and "收入" not in text:
                split = index
                break
        if split:
            break
    if split is None:  # no header: the second text column starts the expenditure side
        first = data[0] if data else None
        texts = (
            [i for i, c in enumerate(first.cells) if cell_text(c) and parse_amount(c) is None]
            if first
            else []
        )
        split = texts[1] if len(texts) > 1 else width
    from extract.tables.header import column_paths  # local: only this shape needs raw paths

    paths = column_paths(header, width)
    function = catalogue(FUNCTION)
    sides = _sides(data, width) or [(0, split, "income"), (split, width, "expenditure")]
    for row in data:
        cells = list(row.cells) + [""] * (width - len(row.cells))
        for number, (side_start, side_end, side) in enumerate(sides):
            if side_start >= width:  # a side with no column (no header, one text column)
                continue
            label = squash(cells[side_start])
            if not label:
                continue
            for later_start, later_end, _ in sides[number + 1 :]:  # a name cell merged across the next side
                if later_start >= width or squash(cells[later_start]):
                    break
                side_end = later_end
            row_index = sink.next_row()
            code, name = None, clean_name(label)
            match = _CODE_PREFIX.match(label)
            if match:
                code, name = match.group(1), clean_name(match.group(2))
            line_item = line_item_of(name, final=final)
            if final and line_item == LineItem.TABLE_TOTAL:  # a 决算 summary prints 总计 on both sides
                line_item = LineItem.INCOME_TOTAL if side == "income" else LineItem.EXPENDITURE_TOTAL
            resolution = None
            if side == "expenditure" and line_item is None:
                resolution = (
                    function.resolve_printed(code)
                    if code
                    else function.resolve_name(name, top_level_only=True)
                )
                if resolution is not None and resolution.level != "类":
                    resolution = None
            for index in range(side_start + 1, side_end):
                path = tuple(p for p in paths[index][1:]) if paths[index] else ()
                role = role_of_path(path) if path else ColumnKey.TOTAL.value
                if final:
                    role = final_role(path, role)
                if role in ("label", "ignore", "code", ColumnKey.OTHER.value):
                    role = ColumnKey.TOTAL.value
                sink.add(
                    row,
                    row_index,
                    name,
                    role,
                    "/".join(p for p in paths[index] if p),
                    cells[index],
                    system=FUNCTION if resolution else None,
                    code=resolution.code if resolution else None,
                    level=resolution.level if resolution else None,
                    origin=resolution.origin if resolution else None,
                    line_item=line_item,
                )
    return "names_only"


def _sides(data: list[GridRow], width: int) -> list[tuple[int, int, str]]:
    """The name+amount sides of a summary table, found from the data: a column of names starts a side.

    Two sides (收入 | 支出) are the rule; some provinces print a third (支出 by function | 支出 by use:
    基本支出, 项目支出, 单位预留机动经费).  The first side is income, the others expenditure.  Empty when
    fewer than two name columns are found.
    """
    names = []
    for index in range(width):
        filled = [
            cell_text(r.cells[index]) for r in data if index < len(r.cells) and cell_text(r.cells[index])
        ]
        if filled and sum(1 for c in filled if parse_amount(c) is None) >= 0.8 * len(filled):
            names.append(index)
    if len(names) < 2 or names[0] != 0:
        return []
    bounds = names + [width]
    return [(bounds[i], bounds[i + 1], "income" if i == 0 else "expenditure") for i in range(len(names))]


# --------------------------------------------------------------------------- “三公” table
def _parse_three_public(
    sink: _FactSink, header: list[GridRow], data: list[GridRow], columns: list[Column]
) -> None:
    label_columns = [c for c in columns if c.role == "label"] or columns[:1]
    if not label_columns or not data:  # a title without a table under it (no header, no rows): no amount
        return
    label_index = label_columns[0].index
    row_parts = [
        three_public_part(r.cells[label_index]) if label_index < len(r.cells) else None for r in data
    ]
    if sum(1 for p in row_parts if p) >= 2:  # one row per part
        amount_columns = [
            c for c in columns if c.index != label_index and c.role not in ("label", "code", "ignore")
        ]
        for row, part in zip(data, row_parts):
            if part is None:
                continue
            row_index = sink.next_row()
            for column in amount_columns:
                role = column.role if column.role != ColumnKey.OTHER else ColumnKey.TOTAL.value
                if column.index < len(row.cells):
                    sink.add(
                        row,
                        row_index,
                        clean_name(row.cells[label_index]),
                        role,
                        column.label,
                        row.cells[column.index],
                        line_item=part,
                    )
        return
    by_index = {c.index: c for c in columns}
    parts = {}
    for column in columns:  # one column per part
        part = next(
            (three_public_part(cell) for cell in reversed(column.path) if three_public_part(cell)), None
        )
        filled = [cell for cell in column.path if cell]
        if len(filled) >= 2 and "三公" in filled[-2] and re.search(r"小计|合计", filled[-1]):
            part = LineItem.THREE_PUBLIC_TOTAL  # “三公”经费 / 小计 beside 会议费, 培训费
        elif len(filled) >= 2 and "公务用车" in filled[-2] and re.match(r"^(?:车辆)?购置", filled[-1]):
            part = LineItem.THREE_PUBLIC_VEHICLE_PURCHASE  # 公务用车购置及运行费 / 购置费
        elif len(filled) >= 2 and "公务用车" in filled[-2] and re.match(r"^(?:车辆)?运行", filled[-1]):
            part = LineItem.THREE_PUBLIC_VEHICLE_OPERATION  # 公务用车购置及运行费 / 运行费
        if part is not None:
            parts[column.index] = part
    subtotal_under_three_public = any(
        part == LineItem.THREE_PUBLIC_TOTAL and "三公" in "".join(by_index[i].path)
        for i, part in parts.items()
    )
    if (
        subtotal_under_three_public
    ):  # the table's own 合计 then also counts 会议费 and 培训费: not the 三公 total
        parts = {
            i: p
            for i, p in parts.items()
            if p != LineItem.THREE_PUBLIC_TOTAL or "三公" in "".join(by_index[i].path)
        }
    for row in data:
        row_index = sink.next_row()
        for column in columns:
            part = parts.get(column.index)
            if part is None or column.index >= len(row.cells):
                continue
            role = role_of_path(column.path)
            if column.role in (
                ColumnKey.BUDGET,
                ColumnKey.COMPLETION_RATE,
            ):  # 预算数 / 完成率 of a 决算 table
                role = column.role
            elif role not in (
                ColumnKey.CURRENT_YEAR,
                ColumnKey.CARRYOVER,
                ColumnKey.GPB,
                ColumnKey.GOV_FUND,
                ColumnKey.STATE_CAPITAL,
            ):
                role = ColumnKey.TOTAL.value
            sink.add(
                row, row_index, column.label, role, column.label, row.cells[column.index], line_item=part
            )
