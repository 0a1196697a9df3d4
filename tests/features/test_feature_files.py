"""The feature files themselves: nothing in them is silently left out of the run."""

from collections import Counter
from pathlib import Path

import pytest
from gherkin.parser import Parser

FEATURES = sorted((Path(__file__).resolve().parents[2] / "features").rglob("*.feature"))


@pytest.mark.parametrize("path", FEATURES, ids=[path.name for path in FEATURES])
def test_no_two_scenarios_of_a_feature_share_a_name(path: Path) -> None:
    # pytest-bdd keys a feature's scenarios by name: a second one of the same name never runs.
    document = Parser().parse(path.read_text(encoding="utf-8"))
    children = document["feature"]["children"]
    nodes = [child for child in children if "scenario" in child]
    nodes += [grandchild for child in children if "rule" in child
              for grandchild in child["rule"]["children"] if "scenario" in grandchild]
    names = Counter(node["scenario"]["name"] for node in nodes)
    assert nodes and [name for name, count in names.items() if count > 1] == []
