"""Classification subjects (支出功能分类 function codes, 支出经济分类 economic codes): reference data
and the resolution of a printed row (code, split code or name only) to its national code.

The reference tables are the dbt seeds in ``dbt/seeds/`` (one copy of the data, used by both sides):
``function_subjects.csv``, ``economic_subjects.csv`` and the maintained alias list
``subject_aliases.csv``.  A code printed in the document always wins over the reference.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from extract.catalogue import SEEDS_DIR
from extract.text_clean import clean_name

FUNCTION = "function"
ECONOMIC = "economic"

LEVEL_BY_LENGTH = {FUNCTION: {3: "类", 5: "款", 7: "项"}, ECONOMIC: {3: "类", 5: "款"}}
FUZZY_THRESHOLD = 0.72


@dataclass(frozen=True)
class Subject:
    code: str
    level: str
    name: str
    parent_code: str | None


@dataclass(frozen=True)
class Resolution:
    code: str
    level: str
    origin: str  # 'printed' | 'name' | 'alias' | 'fuzzy'


class SubjectCatalogue:
    """All subjects of one system, indexed by code, by normalised name and by parent."""

    def __init__(self, system: str, subjects: list[Subject], aliases: dict[str, list[str]]):
        self.system = system
        self.by_code = {s.code: s for s in subjects}
        self.children: dict[str | None, list[Subject]] = {}
        for s in subjects:
            self.children.setdefault(s.parent_code, []).append(s)
        self.names: dict[str, list[Subject]] = {}
        for s in subjects:
            self.names.setdefault(_key(s.name), []).append(s)
        self.aliases: dict[str, list[Subject]] = {}
        for code, names in aliases.items():
            if code in self.by_code:
                for alias in names:
                    self.aliases.setdefault(_key(alias), []).append(self.by_code[code])

    def _is_capital_construction(self, subject: Subject) -> bool:
        top = self.by_code.get(subject.code[:3])
        return top is not None and "基本建设" in top.name

    def level_of(self, code: str) -> str | None:
        return LEVEL_BY_LENGTH[self.system].get(len(code))

    def aliases_of_level(self, level: str) -> list[str]:
        return [alias for alias, subjects in self.aliases.items() if any(s.level == level for s in subjects)]

    def top_level(self) -> list[Subject]:
        return [s for s in self.by_code.values() if s.level == "类"]

    def resolve_printed(self, code: str) -> Resolution | None:
        level = self.level_of(code)
        return Resolution(code, level, "printed") if level else None

    def resolve_name(
        self, name: str, *, lei: str | None = None, kuan: str | None = None, top_level_only: bool = False
    ) -> Resolution | None:
        """Find the code of a name printed without one, using where it stands in the table.

        Order: a 项 under the current 款, a 款 under the current 类, a 类, then a unique match anywhere;
        an alias the same way; then a close misspelling among the same candidates only (never a wild guess).
        """
        key = _key(name)
        if not key:
            return None
        scopes: list[list[Subject]] = []
        if not top_level_only:
            if kuan:
                scopes.append(self.children.get(kuan, []))
            if lei:
                scopes.append(self.children.get(lei, []))
        scopes.append(self.top_level())
        for origin, index in (("name", self.names), ("alias", self.aliases)):
            matches = index.get(key, []) + index.get(_key_without_suffix(key), [])
            for scope in scopes:
                scope_codes = {s.code for s in scope}
                hit = [s for s in matches if s.code in scope_codes]
                if hit:
                    return Resolution(hit[0].code, hit[0].level, origin)
            unique = {s.code: s for s in matches if not top_level_only or s.level == "类"}
            if len(unique) > 1:
                # the same 款 name under 309/311 (基本建设) and 310/312: basic and ordinary budgets use the latter
                unique = {c: s for c, s in unique.items() if not self._is_capital_construction(s)} or unique
            if len(unique) == 1:
                s = next(iter(unique.values()))
                return Resolution(s.code, s.level, origin)
        for scope in scopes:
            best, best_ratio = None, 0.0
            for s in scope:
                for candidate in (s.name, _key_without_suffix(_key(s.name))):
                    ratio = difflib.SequenceMatcher(None, key, _key(candidate)).ratio()
                    if ratio > best_ratio:
                        best, best_ratio = s, ratio
            if best is not None and best_ratio >= FUZZY_THRESHOLD:
                return Resolution(best.code, best.level, "fuzzy")
        return None


def _key(name: str) -> str:
    key = clean_name(name)
    key = re.sub(r"（[类款项]）", "", key)
    return key


def _key_without_suffix(key: str) -> str:
    return key[:-2] if key.endswith("支出") and len(key) > 3 else key + "支出"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def catalogue(system: str) -> SubjectCatalogue:
    file_name = "function_subjects.csv" if system == FUNCTION else "economic_subjects.csv"
    subjects, aliases = [], {}
    for row in _read_csv(SEEDS_DIR / file_name):
        code = row["code"].strip()
        subjects.append(
            Subject(code, row["level"].strip(), row["name"].strip(), row["parent_code"].strip() or None)
        )
        for alias in (row.get("aliases") or "").split(";"):
            if alias.strip():
                aliases.setdefault(code, []).append(alias.strip())
    alias_file = SEEDS_DIR / "subject_aliases.csv"
    if alias_file.exists():
        for row in _read_csv(alias_file):
            if row.get("system", system).strip() == system:
                aliases.setdefault(row["code"].strip(), []).append(row["alias"].strip())
    return SubjectCatalogue(system, subjects, aliases)
