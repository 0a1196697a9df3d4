"""The scoring specifications in English (features/scoring/en/), on SQLite and on PostgreSQL."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.usefixtures("app")

scenarios("../../../features/scoring/en")
