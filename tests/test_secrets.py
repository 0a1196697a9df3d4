"""Secrets come from the environment, never from the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "password in a database URL": re.compile(r"postgres(?:ql)?://[^/\s:@'\"]+:[^@\s'\"{]+@"),
    "session secret written in code": re.compile(
        r"(secret_key|TALLY_SECRET_KEY)\s*[=:]\s*['\"][^'\"]+['\"]"),
    "token written in code": re.compile(r"\btly_[A-Za-z0-9_-]{20,}"),
}


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.split("\n")
    return [name for name in listed if name.endswith((".py", ".toml", ".md", ".cfg", ".yml",
                                                      ".yaml", ".json", ".ini", ".env"))]


def test_no_secret_is_committed() -> None:
    found = []
    for name in tracked_files():
        path = ROOT / name
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for what, pattern in PATTERNS.items():
            for match in pattern.finditer(text):
                # The README shows the shape of a URL with a password as a placeholder, and
                # tests parse made-up ones.
                if "user:password@" in match.group(0) or (
                        what == "password in a database URL" and name.startswith("tests/")):
                    continue
                found.append(f"{name}: {what}: {match.group(0)[:60]}")
    assert found == []


def test_the_session_secret_is_read_from_the_environment() -> None:
    web = (ROOT / "api" / "web.py").read_text(encoding="utf-8")
    assert 'os.environ.get("TALLY_SECRET_KEY"' in web
    assert not any((ROOT / name).exists() for name in (".env", "secrets.toml"))
