"""The table of docs/reliability.md, made from the outcomes the bad-input corpus test wrote.

``tests/test_bad_inputs.py`` builds the corpus, runs ``budget-warehouse build`` over it once and writes every
case's outcome to ``tests/artifacts/bad_inputs.json``; this script renders them as the markdown table between
the ``reliability-table`` markers of ``docs/reliability.md`` (the test fails when the committed table differs
from its run, so the table cannot drift):

    uv run pytest tests/test_bad_inputs.py      # writes tests/artifacts/bad_inputs.json
    uv run python -m tools.reliability_table    # rewrites the table in docs/reliability.md
    uv run python -m tools.reliability_table --check   # exit 1 when the table is stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
ARTIFACT = ROOT / "tests" / "artifacts" / "bad_inputs.json"
BEGIN = "<!-- reliability-table: begin (tools/reliability_table.py; do not edit by hand) -->"
END = "<!-- reliability-table: end -->"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _mark(value: bool) -> str:
    return "yes" if value else "—"


def render_table(data: dict) -> str:
    """The markdown of the outcomes: one row per case, then the totals."""
    cases = data["cases"]
    lines = [
        "| case | group | what | expected | outcome | handled right | crash | partial write | silent wrong |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for case in cases:
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{case['case']}`",
                    _cell(case["group"]),
                    _cell(case["description"]),
                    _cell(case["expected"]),
                    _cell(case["outcome"]) + (f" ({_cell(case['notes'])})" if case.get("notes") else ""),
                    "yes" if case["handled_right"] else "**no**",
                    _mark(case["crash"]),
                    _mark(case["partial_write"]),
                    _mark(case["silent_wrong"]),
                ]
            )
            + " |"
        )
    total = len(cases)
    right = sum(c["handled_right"] for c in cases)
    lines.append(
        f"| **{total} tried** | | | | | **{right}** | **{sum(c['crash'] for c in cases)}** "
        f"| **{sum(c['partial_write'] for c in cases)}** | **{sum(c['silent_wrong'] for c in cases)}** |"
    )
    build = data.get("build", {})
    lines += [
        "",
        (
            f"One build over the seeds and the corpus ({build.get('files', '?')} entries of the corpus): exit status "
            f"{build.get('returncode', '?')}, traceback in the output: "
            f"{'yes' if build.get('traceback_in_output') else 'no'}."
        ),
    ]
    return "\n".join(lines)


def table_in(text: str) -> str:
    """The table between the markers of ``text`` ('' when there are none)."""
    if BEGIN not in text or END not in text:
        return ""
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


def with_table(text: str, table: str) -> str:
    head, rest = text.split(BEGIN, 1)
    return f"{head}{BEGIN}\n{table}\n{END}{rest.split(END, 1)[1]}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not ARTIFACT.is_file():
        print(
            f"{ARTIFACT.relative_to(ROOT)} is missing: run `uv run pytest tests/test_bad_inputs.py` first",
            file=sys.stderr,
        )
        return 1
    table = render_table(json.loads(ARTIFACT.read_text(encoding="utf-8")))
    text = DOC.read_text(encoding="utf-8")
    if "--check" in argv:
        current = table_in(text) == table
        print(
            "docs/reliability.md is current" if current else "docs/reliability.md is stale", file=sys.stderr
        )
        return 0 if current else 1
    DOC.write_text(with_table(text, table), encoding="utf-8")
    print(
        f"wrote the table of {len(json.loads(ARTIFACT.read_text('utf-8'))['cases'])} cases to "
        f"{DOC.relative_to(ROOT)}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
