"""No SQL is built from user input by string formatting: values travel as parameters.

Every string in the runtime packages that holds SQL and is built with an f-string may only
interpolate the names below, each a table name, a constant fragment or a placeholder list
chosen by the code; ``%``-formatting and ``str.format`` of SQL are refused outright (psycopg's
``sql.SQL(...).format`` with ``sql.Identifier``/``sql.Literal`` is the safe way and allowed)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "domain", "projections", "store", "workflows", "benchmarks")
SQL = re.compile(r"\b(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|"
                 r"DROP\s+|TRUNCATE|ALTER\s+TABLE|WHERE)\b")

#: Interpolations that are identifiers or fragments of the code's own making, never input.
SAFE = re.compile(
    r"^(self\.)?(_?[a-z_]*table[a-z_]*|chain|checkpoints|_NOW|where|only_events|schema|"
    r"SCOPES\[scope\]|placeholders|columns|self\.datastore\.schema|self\.tracking_table_name|"
    r"[A-Z_]+|[a-z_]+_sql|order|direction|filters|conditions|clause|joined|keys|names|marks)$")

#: Interpolations read and judged safe, by file: each is code-made (operation names from a
#: literal tuple, clauses of fixed text with ``?`` parameters, placeholder lists, a format of a
#: column list with a type name), and none carries a value from a request.
REVIEWED = {
    ("api/cli_integrity.py", "'Created' if created else 'Updated'"),  # a message, not SQL
    ("api/cli_integrity.py", "name"),  # a message, not SQL
    ("projections/ledger.py", "_LEDGER_COLUMNS.format(int='INTEGER')"),
    ("projections/ledger.py", "_LEDGER_COLUMNS.format(int='BIGINT')"),
    ("projections/ledger.py", "' AND '.join(clauses)"),
    ("projections/audit.py", "sql"),  # _selection's fixed text; values are parameters
    ("store/guard.py", "operation.lower()"),
    ("store/guard.py", "operation"),
    ("store/sqlite.py", "self._select_links_prefix"),
    ("store/sqlite.py", "' AND '.join(clauses)"),
    ("workflows/errata.py", "', '.join('?' * len(topics))"),
    ("projections/ledger.py", "ledger_sums.COLUMNS.format(int='INTEGER')"),
    ("projections/ledger.py", "ledger_sums.COLUMNS.format(int='BIGINT')"),
    ("projections/ledger.py", "', '.join('?' * len(wanted))"),
    # holder sums and spans: the constant column lists and span months as integers the code
    # makes (from a parsed Period); every value travels as a parameter
    ("projections/ledger_sums.py", "', '.join(VALUES)"),
    ("projections/ledger_sums.py", "', '.join('?' * (8 + _WIDTH))"),
    ("projections/ledger_sums.py", "', '.join(SPAN_VALUES)"),
    ("projections/ledger_sums.py", "', '.join('?' * (8 + _SPAN_WIDTH))"),
    ("projections/ledger_sums.py",
     "', '.join((f'CAST(SUM({name}) AS BIGINT)' for name in VALUES))"),
    ("projections/ledger_sums.py", "ones"),
    ("projections/ledger_sums.py", "twos"),
    ("projections/ledger_sums.py", "int(first)"),
    ("projections/ledger_sums.py", "int(last)"),
    ("projections/ledger.py",
     "ledger_sums.SPAN_COLUMNS.format(**ledger_sums.SPAN_TYPES['sqlite'])"),
    ("projections/ledger.py",
     "ledger_sums.SPAN_COLUMNS.format(**ledger_sums.SPAN_TYPES['postgres'])"),
    ("projections/ledger.py",
     "ledger_sums.MARK_COLUMNS.format(**ledger_sums.SPAN_TYPES['sqlite'])"),
    ("projections/ledger.py",
     "ledger_sums.MARK_COLUMNS.format(**ledger_sums.SPAN_TYPES['postgres'])"),
    ("projections/ledger.py",
     "ledger_sums.MARK_HEADS.format(**ledger_sums.SPAN_TYPES['sqlite'])"),
    ("projections/ledger.py",
     "ledger_sums.MARK_HEADS.format(**ledger_sums.SPAN_TYPES['postgres'])"),
    # UPDATE … SET: column names are the keyword arguments the handlers pass (code), not input
    ("projections/boards.py", "assignments"),
    ("projections/catalog.py", "assignments"),
    # a held row's INSERT: the view's own column names; DROP INDEX of the schema's own indexes
    ("projections/view.py", "', '.join(row)"),
    ("projections/view.py", "', '.join('?' * len(row))"),
    ("projections/view.py", "name"),
}


def sources() -> list[Path]:
    return [path for package in PACKAGES if (ROOT / package).exists()
            for path in (ROOT / package).rglob("*.py")]


def literal_text(node: ast.JoinedStr) -> str:
    return "".join(part.value for part in node.values
                   if isinstance(part, ast.Constant) and isinstance(part.value, str))


def offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.JoinedStr) and SQL.search(literal_text(node)):
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    expression = ast.unparse(part.value)
                    reviewed = (str(path.relative_to(ROOT)), expression) in REVIEWED
                    if not SAFE.match(expression) and not reviewed:
                        found.append(f"{where}: f-string SQL interpolates {expression}")
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)
              and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
              and SQL.search(node.left.value)):
            found.append(f"{where}: SQL built with % formatting")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "format" and isinstance(node.func.value, ast.Constant)
              and isinstance(node.func.value.value, str) and SQL.search(node.func.value.value)):
            found.append(f"{where}: SQL built with str.format")
    return found


def test_sql_is_never_built_from_input_by_string_formatting() -> None:
    assert [o for path in sources() for o in offences(path)] == []


def test_the_rule_catches_the_usual_mistakes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        'def f(c, name, code):\n'
        '    c.execute(f"SELECT * FROM units WHERE name = \'{name}\'")\n'
        '    c.execute("DELETE FROM units WHERE code = \'%s\'" % code)\n'
        '    c.execute("UPDATE units SET name = \'{}\'".format(name))\n'
        '    c.execute(f"SELECT * FROM {table} WHERE code = ?", (code,))\n',
        encoding="utf-8")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = offences(bad)
    finally:
        ROOT = saved
    assert [line.split(": ", 1)[1] for line in found] == [
        "f-string SQL interpolates name", "SQL built with % formatting",
        "SQL built with str.format"]
