"""The scoring specifications in Chinese: every scenario of features/scoring/*.feature, run on
SQLite and on PostgreSQL (the English ones run from tests/features/en/)."""

from pathlib import Path

import pytest
from pytest_bdd import scenarios

FEATURES = Path(__file__).resolve().parents[2] / "features" / "scoring"

# Named here, not only inside the steps, so that each scenario runs on both backends.
pytestmark = pytest.mark.usefixtures("app")

scenarios(*sorted(str(path) for path in FEATURES.glob("*.feature")))
