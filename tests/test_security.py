"""Security: no SQL built from values of documents or file names; the dashboard serves only its own files.

1. Every query string handed to DuckDB (``execute``, ``executemany``, ``sql``, ``query``) that is built —
   an f-string, ``+``/``%`` or ``.format`` — in the project's code (``extract/``, ``dagster_project/``,
   ``dashboard/``, ``tools/``, ``benchmarks/``) interpolates only the expressions allowed below, each with why
   it is safe: identifiers from our own constants or the catalog, quoted; parameter placeholders; string
   literals escaped by ``publish._literal``/``_sql_string`` where DuckDB takes no parameter (ATTACH,
   COMMENT ON).  Values of documents (unit names, file names, amounts, ids) go in as bound parameters
   (``?``/``$name``).  A query string built in a variable first and then executed is checked the same way.
   A new interpolation fails this test until it is reviewed and added here.
2. ``dashboard.sources.source_path`` — what both the ``/source-files/<name>`` route and the in-app viewer
   serve — refuses path traversal, absolute paths, symbolic links (to outside files or not) and anything
   that is not a regular file of the published ``sources/`` folder; the route answers 404 for each.
"""

from __future__ import annotations

import ast
import asyncio
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOTS = ("extract", "warehouse", "dagster_project", "dashboard", "tools", "benchmarks")
SQL_METHODS = {"execute", "executemany", "sql", "query"}

# file → {interpolated expression (ast.unparse): why it cannot carry a value from a document}
ALLOWED: dict[str, dict[str, str]] = {
    "warehouse/raw_layer.py": {
        "table": "a table name from the code constants _PER_DOCUMENT_TABLES / _FACT_TABLES or a literal",
        "', '.join(data.column_names)": "column names: the fields of our own dataclasses (extract.model)",
        "select": "those column names, quoted, some wrapped in CAST(… AS MONEY) (a code constant)",
        "name": "the registered Arrow table's name: '_batch_' and a table name from the code constants",
    },
    "dagster_project/publish.py": {
        "CATALOGUE_SCHEMA": "code constant 'catalogue'",
        "COLUMN_CATALOGUE": "code constant: the column catalogue's table name",
        "', '.join(COLUMN_NAMES)": "column names: a code constant tuple",
        "placeholders": "'?' placeholders only",
        "MARTS_SCHEMA": "code constant 'marts'",
        "PUBLISHED_SCHEMA": "code constant 'published'",
        "_ident(catalog)": "the warehouse file's stem (our settings), quoted as an identifier",
        "_ident(warehouse)": "the same catalog name, quoted as an identifier",
        "_literal(published_file)": "a path of our settings; ATTACH takes no parameter: quote-doubled literal",
        "_literal(warehouse_path)": "a path of our settings; ATTACH takes no parameter: quote-doubled literal",
        "_sql_string(text)": "a dbt docs comment; COMMENT ON takes no parameter: quote-doubled literal, NUL refused",
        "', '.join(columns)": "column names of raw.documents from the catalog, each quoted by _ident",
        "documents": "'<catalog>.raw.documents' from _ident(catalog) and a literal",
        "name": "marts.<table> with the table name from the catalog, quoted by _ident",
        "relation": "catalog.schema.table, each part quoted by _ident (names from the catalog / constants)",
        "target": "catalog.schema.table.column, each part quoted by _ident",
        "column": "one of the code constants disclosure_id / unit_id / unit_name_in_marts",
    },
    "dagster_project/export.py": {
        "MARTS_SCHEMA": "code constant",
        "PUBLISHED_SCHEMA": "code constant",
        "relation": "schema.table from the catalog, each part quoted by _ident",
        "order": "primary-key column names of our datapackage schema, quoted by _ident, or ALL",
        "as_text": "CSV cast expressions over column names from the catalog, quoted by _ident",
    },
    "dagster_project/report.py": {
        "', '.join((_quote(c) for c in wanted))": "column names from IDENTITY_ATTRIBUTES present in the catalog, quoted",
        "', '.join(selected)": "column names from code literals present in the catalog",
    },
    "dagster_project/summary.py": {
        "', '.join((_quote(c) for c in selected)) or '1 AS one'": "COMPARISON_COLUMNS present in the catalog, quoted",
        "f\" ORDER BY {', '.join((_quote(c) for c in order))}\" if order else ''": "literal column names, quoted",
        "', '.join((_quote(c) for c in order))": "literal column names, quoted",
    },
    "dashboard/data.py": {
        "table": "a table name from the code constant TABLES",
    },
    "dagster_project/defs/marts/held_back.py": {
        "failures": "the compiled SQL of one of our dbt tests, from dbt's run_results.json (our project's code)",
        "relation": "a relation name from dbt's manifest (our models), already quoted by dbt",
    },
    "benchmarks/per_document.py": {
        "table": "a raw table name from the code constant list of the benchmark",
    },
    "warehouse/ducklake.py": {
        "_sql_string(str(extension_file(name)))": "the path of an extension file in an installed package; LOAD takes no parameter: quote-doubled",
        "LAKE": "code constant: the lake's catalog alias",
        "_sql_string(settings.catalog)": "the catalog of our settings (BUDGET_DUCKLAKE_CATALOG); ATTACH takes no parameter: quote-doubled",
        "_sql_string(str(settings.data_path))": "the data folder of our settings; ATTACH takes no parameter: quote-doubled",
    },
    "warehouse/publication.py": {
        "_literal(published_file)": "a path of our settings; ATTACH takes no parameter: quote-doubled literal",
        "PUBLISHED_SCHEMA": "code constant 'published'",
        "COLUMN_CATALOGUE": "code constant: the column catalogue's table name",
    },
}


# "?, ?, ?" for n columns, in any file: placeholders only, whatever n is
PLACEHOLDERS = re.compile(r"""', '\.join\(\['\?'\] \* .+\)""")


def _interpolated(node: ast.AST):
    """The expressions spliced into a built string (nothing for a plain literal)."""
    if isinstance(node, ast.JoinedStr):
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                yield value.value
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        for side in (node.left, node.right):
            if isinstance(side, ast.Constant):
                continue
            if isinstance(side, (ast.JoinedStr, ast.BinOp)):
                yield from _interpolated(side)
            elif isinstance(side, ast.Tuple):
                yield from side.elts
            else:
                yield side
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        yield from node.args
        yield from (keyword.value for keyword in node.keywords)


def _built(node: ast.AST) -> bool:
    return next(_interpolated(node), None) is not None


def _query_strings(tree: ast.AST):
    """(line, query expression) of every SQL call's first argument, following a name assigned in the same
    function (``query = f"…"; con.execute(query)``)."""
    scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))] + [tree]
    seen: set[int] = set()  # a call inside a function is reached again from the module: once is enough
    for scope in scopes:
        assigned: dict[str, list[ast.AST]] = {}
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(node.value)
        for node in ast.walk(scope):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SQL_METHODS
                and node.args
            ):
                if id(node) in seen:
                    continue
                seen.add(id(node))
                query = node.args[0]
                if isinstance(query, ast.Name) and scope is not tree:
                    for value in assigned.get(query.id, []):
                        yield node.lineno, value
                else:
                    yield node.lineno, query


def _sql_interpolations() -> dict[str, set[tuple[int, str]]]:
    found: dict[str, set[tuple[int, str]]] = {}
    for root in ROOTS:
        for path in sorted((REPO / root).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
            for line, query in _query_strings(tree):
                for expression in _interpolated(query):
                    found.setdefault(relative, set()).add((line, ast.unparse(expression)))
    return found


def test_sql_is_never_built_from_values():
    found = _sql_interpolations()
    assert found, "the scan found no SQL call at all: it is broken"
    unreviewed = [
        f"{file}:{line}: {expression}"
        for file, items in sorted(found.items())
        for line, expression in sorted(items)
        if expression not in ALLOWED.get(file, {}) and not PLACEHOLDERS.fullmatch(expression)
    ]
    assert not unreviewed, (
        "SQL built by interpolation that is not reviewed (bind values as ? parameters; quote identifiers; "
        "or add the expression to ALLOWED with why it is safe):\n" + "\n".join(unreviewed)
    )


def test_the_scan_sees_a_value_spliced_into_sql(tmp_path):
    """The scanner itself: an f-string, a concatenation and a variable built first are all caught."""
    code = (
        "def f(con, name):\n"
        "    con.execute(f\"SELECT * FROM t WHERE unit = '{name}'\")\n"
        '    con.execute("DELETE FROM t WHERE file = \'" + name + "\'")\n'
        '    query = "SELECT {} FROM t".format(name)\n'
        "    con.sql(query)\n"
        "    con.execute('SELECT * FROM t WHERE unit = ?', [name])\n"
    )
    spliced = [ast.unparse(e) for _, q in _query_strings(ast.parse(code)) for e in _interpolated(q)]
    assert spliced == ["name", "name", "name"]


# --------------------------------------------------------------------------- the source viewer
@pytest.fixture
def published(tmp_path, monkeypatch):
    from dagster_project.publish import sources_dir

    published_file = tmp_path / "published" / "budget_marts.duckdb"
    sources = sources_dir(published_file)
    sources.mkdir(parents=True)
    (sources / "0123456789abcdef.txt").write_text("line 1\nline 2\n", encoding="utf-8")
    outside = tmp_path / "secret.txt"
    outside.write_text("not to be served", encoding="utf-8")
    (sources / "fedcba9876543210.txt").symlink_to(outside)  # a link out of the folder
    (sources / "aaaaaaaaaaaaaaaa.txt").symlink_to(sources / "0123456789abcdef.txt")  # a link inside it
    (sources / "dir.txt").mkdir()
    monkeypatch.setenv("BUDGET_PUBLISHED", str(published_file))
    return sources, outside


REFUSED = [
    "../secret.txt",
    "..%2Fsecret.txt",
    "../../etc/passwd",
    "/etc/passwd",
    "sources/../../secret.txt",
    "fedcba9876543210.txt",  # symlink to a file outside
    "aaaaaaaaaaaaaaaa.txt",  # symlink, even to a file inside
    "dir.txt",  # not a file
    "missing.txt",
    "0123456789abcdef.txt\n",
    "0123456789abcdef.txt\x00.pdf",
    ".",
    "",
    None,
]


def test_source_path_serves_only_plain_files_of_the_sources_folder(published):
    from dashboard.sources import source_path

    sources, outside = published
    assert source_path(sources, "0123456789abcdef.txt") == sources / "0123456789abcdef.txt"
    for name in REFUSED:
        assert source_path(sources, name) is None, name
    assert source_path(sources, str(outside)) is None
    # the folder reached through a symbolic link of its own still serves its files
    linked = sources.parent / "linked_sources"
    linked.symlink_to(sources, target_is_directory=True)
    assert source_path(linked, "0123456789abcdef.txt") is not None


def test_the_source_files_route_answers_404_for_anything_else(published):
    from starlette.requests import Request

    from dashboard import server

    _, outside = published

    def get(name: str) -> int:
        scope = {
            "type": "http",
            "method": "GET",
            "path": f"/source-files/{name}",
            "headers": [],
            "query_string": b"",
            "path_params": {"name": name},
        }
        return asyncio.run(server.source_file(Request(scope))).status_code

    assert get("0123456789abcdef.txt") == 200
    for name in REFUSED:
        if name:
            assert get(name) == 404, name
    assert get(os.fspath(outside)) == 404
