"""Chinese text is clean Simplified Chinese, and zh-CN Gherkin files use zh-CN keywords.

pytest-bdd silently skips a zh-CN feature whose keywords are not those of its declared language
(one Traditional keyword is enough), so this test reads every template, translation catalogue,
feature file and source file with Chinese text in it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import gherkin
import opencc
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED_SUFFIXES = {".html", ".po", ".pot", ".feature", ".py", ".toml", ".csv", ".md", ".txt"}
SKIPPED_PARTS = {".venv", ".git", "__pycache__", "node_modules", "test-artifacts", "build"}
HANZI = re.compile(r"[\u3400-\u9fff]")
PINYIN_AFTER_HANZI = re.compile(
    r"[\u3400-\u9fff][(（](?=[^)）]*[\u00e0-\u01dc])[a-zA-Z\u00c0-\u024f]{1,7}[)）]"
)
TO_SIMPLIFIED = opencc.OpenCC("t2s")
LANGUAGES = json.loads((Path(gherkin.__file__).parent / "gherkin-languages.json").read_text())


def text_files() -> list[Path]:
    return sorted(
        path for path in ROOT.rglob("*")
        if path.is_file() and path.suffix in CHECKED_SUFFIXES
        and not SKIPPED_PARTS.intersection(path.relative_to(ROOT).parts)
    )


def defects_in(text: str) -> list[str]:
    """Lines with bracketed pinyin after a character, or with Traditional forms."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not HANZI.search(line):
            continue
        if PINYIN_AFTER_HANZI.search(line):
            found.append(f"{number}: pinyin in brackets: {line.strip()[:60]}")
        simplified = TO_SIMPLIFIED.convert(line)
        if simplified != line:
            found.append(f"{number}: Traditional form (Simplified: {simplified.strip()[:60]})")
    return found


def keyword_defects(text: str) -> list[str]:
    """Step and block keywords that are not keywords of the file's declared language."""
    match = re.search(r"^\s*#\s*language:\s*(\S+)", text, re.MULTILINE)
    language = match.group(1) if match else "en"
    if language not in LANGUAGES:
        return [f"unknown language {language}"]
    dialect = LANGUAGES[language]
    blocks = {k for key in ("feature", "rule", "background", "scenario", "scenarioOutline",
                            "examples") for k in dialect[key]}
    steps = {k.strip() for key in ("given", "when", "then", "and", "but")
             for k in dialect[key] if k.strip() != "*"}
    found = []
    in_docstring = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith(('"""', "```")):
            in_docstring = not in_docstring
            continue
        if in_docstring or not line or line.startswith(("#", "|", "@")):
            continue
        has_colon = re.search(r"[:：]", line) is not None
        head = re.split(r"[:：]", line, maxsplit=1)[0].strip() if has_colon else None
        if head is not None and head in blocks:
            continue
        if any(line.startswith(step) for step in steps) or line.startswith("* "):
            continue
        if head is None or head not in blocks:
            # A description line is allowed only directly under a block keyword; anything that
            # looks like a keyword of another language is not.
            if looks_like_foreign_keyword(line, language):
                found.append(f"{number}: not a {language} keyword: {line[:40]}")
    if language == "zh-CN" and not re.search(r"^\s*(场景|场景大纲|剧本|剧本大纲)[:：]", text,
                                             re.MULTILINE):
        found.append("declares zh-CN but has no Simplified scenario keyword")
    return found


def looks_like_foreign_keyword(line: str, language: str) -> bool:
    for code, dialect in LANGUAGES.items():
        if code == language:
            continue
        for key in ("feature", "rule", "background", "scenario", "scenarioOutline", "examples"):
            if any(re.match(re.escape(k) + r"\s*[:：]", line) for k in dialect[key]):
                return True
        if code in ("zh-TW", "en", "zh-CN"):
            for key in ("given", "when", "then", "and", "but"):
                if any(k.strip() != "*" and line.startswith(k) for k in dialect[key]):
                    return True
    return False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The defective samples are written with escapes, so that this file itself stays clean.
        ("采用(c\u01cei)一篇", "pinyin"),
        ("信息\u54e1\u5831送", "Traditional"),
        ("信息员报送稿件", None),
    ],
)
def test_the_checker_itself_tells_clean_text_from_defects(text: str, expected: str | None) -> None:
    found = defects_in(text)
    if expected is None:
        assert found == []
    else:
        assert found and expected in found[0]


def test_the_keyword_check_catches_a_traditional_keyword() -> None:
    bad = "# language: zh-CN\n功能: 计分\n  \u5834\u666f: 采用\n    假如 一篇稿件\n"
    good = "# language: zh-CN\n功能: 计分\n  场景: 采用\n    假如 一篇稿件\n    那么 得分\n"
    assert keyword_defects(bad)
    assert keyword_defects(good) == []


def test_all_chinese_text_is_clean_simplified_chinese() -> None:
    files = text_files()
    assert any(path.suffix == ".html" for path in files), "no template was checked"
    problems = {
        str(path.relative_to(ROOT)): found
        for path in files
        if (found := defects_in(path.read_text(encoding="utf-8", errors="replace")))
    }
    assert problems == {}


def test_every_feature_file_uses_the_keywords_of_its_declared_language() -> None:
    problems = {
        str(path.relative_to(ROOT)): found
        for path in ROOT.glob("features/**/*.feature")
        if (found := keyword_defects(path.read_text(encoding="utf-8")))
    }
    assert problems == {}
