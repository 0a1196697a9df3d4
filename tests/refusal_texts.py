"""The wordings of the refusals in the source, read from its syntax tree: every message a
``*Error(...)`` is raised or built with (a ``RowError``'s fourth argument), and every
message a ledger planner records with ``self.error(row, column, message)``, as a template
whose ``%(vN)s`` stand for the f-string's values. ``api.refusals`` must know each."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "store", "projections", "workflows", "api")


def template(node: ast.expr) -> str | None:
    """The message's wording with placeholders, or None where it is not written here (a
    message passed on from elsewhere)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("%", "%%")
    if isinstance(node, ast.JoinedStr):
        parts, number = [], 0
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value).replace("%", "%%"))
            else:
                parts.append(f"%(v{number})s")
                number += 1
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = template(node.left), template(node.right)
        if left is not None and right is not None:
            return renumbered(left + right)
    return None


def renumbered(text: str) -> str:
    """Placeholders numbered from v0 in the order they appear."""
    count = iter(range(100))
    return re.sub(r"%\(v\d+\)s", lambda _: f"%(v{next(count)})s", text)


def messages(tree: ast.AST) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name == "RowError" and len(node.args) >= 4:
            yield node.args[3]
        elif name.endswith("Error") and name != "RowError" and node.args:
            yield node.args[0]
        elif name == "error" and len(node.args) == 3:  # a ledger planner's self.error(...)
            yield node.args[2]


def source_templates() -> dict[str, str]:
    """Every template, with the first place it is written."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in messages(ast.parse(path.read_text(encoding="utf-8"))):
                text = template(node)
                if text:
                    found.setdefault(text, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found
