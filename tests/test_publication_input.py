"""Bad input to the publication commands: a clear error naming the field, nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from domain.application import CommandMeta, Tally
from domain.errors import AlreadyExistsError, NotFoundError, TallyError
from tests.conftest import event_count

DIGEST = "0" * 64


@pytest.mark.parametrize(("command", "args", "field"), [
    ("publish_bulletin", {"period": "2025-13", "position": 1, "as_of": "2026-01-05",
                          "digest": DIGEST}, "period"),
    ("publish_bulletin", {"period": "2025", "position": -1, "as_of": "2026-01-05",
                          "digest": DIGEST}, "position"),
    ("publish_bulletin", {"period": "2025", "position": 1, "as_of": "2999-01-01",
                          "digest": DIGEST}, "as_of"),
    ("publish_bulletin", {"period": "2025", "position": 1, "as_of": "2026-01-05",
                          "digest": "abc"}, "digest"),
    ("issue_erratum", {"period": "2025", "erratum_id": "x", "fact": {}, "reason": "迟报",
                       "holders": [], "causes": []}, "erratum_id"),
    ("issue_erratum", {"period": "2025", "erratum_id": "6f1c9a52-3b7e-4d0a-9c1e-2a5b7d8e9f10",
                       "fact": {}, "reason": "迟报", "holders": [], "causes": []}, "period"),
    ("grant_reward", {"line_key": "k", "period": "2025", "officer_id": None, "unit_id": None,
                      "item_id": None, "ref": "r", "clause": "rewards.city",
                      "valid_on": "2025-03-01", "amount": "-5"}, "amount"),
    ("grant_reward", {"line_key": "k", "period": "2025", "officer_id": None, "unit_id": None,
                      "item_id": None, "ref": "r", "clause": "rewards.city",
                      "valid_on": "2025-02-30", "amount": "50"}, "valid_on"),
    ("revoke_reward", {"reward_id": "6f1c9a52-3b7e-4d0a-9c1e-2a5b7d8e9f10",
                       "reason": "撤销"}, "reward_id"),
    ("revoke_honour", {"honour_id": "6f1c9a52-3b7e-4d0a-9c1e-2a5b7d8e9f10",
                       "reason": "撤销"}, "honour_id"),
    ("revoke_honour", {"honour_id": "not an id", "reason": "撤销"}, "honour_id"),
])
def test_bad_publication_input_is_refused_naming_the_field(
    app: Tally, meta: CommandMeta, command: str, args: dict[str, Any], field: str
) -> None:
    before = event_count(app)
    with pytest.raises(TallyError) as refused:
        getattr(app, command)(**args, meta=meta)
    assert refused.value.field == field
    assert event_count(app) == before


def test_a_period_is_published_once(app: Tally, meta: CommandMeta) -> None:
    app.publish_bulletin("2025-03", 0, "2025-04-02", DIGEST, meta=meta)
    with pytest.raises(AlreadyExistsError):
        app.publish_bulletin("2025-03", 0, "2025-04-02", DIGEST, meta=meta)
    assert app.published_bulletin("2025-03")["kind"] == "month"
    with pytest.raises(NotFoundError):
        app.published_bulletin("2025-Q1")
