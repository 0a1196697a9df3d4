"""The log's integrity as a page (日志完整性): the chain head and checkpoints, and on request
the chain recomputed (since the latest checkpoint, or whole with every published bulletin), as
``tally verify`` does; a changed event is found at its position."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.services import Services
from api.web import create_app
from domain.application import Tally
from store.settings import DatabaseSettings
from tests.api_office import BACKENDS, SESSION, SETUP, Office, module_office
from tests.report_history import office_history
from tests.tamper import Attacker
from tests.test_pages import table_rows
from tests.web import log_in, set_password


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """The office of tests.api_office (its February bulletin published) with a checkpoint
    taken (as ``tally checkpoint`` does) and two items drafted after it."""
    for office in module_office(request, tmp_path_factory.mktemp("integrity"), "integrity"):
        office.tally.recorder.write_checkpoint()  # type: ignore[attr-defined]
        office.draft()
        office.draft()
        yield office


def test_the_page_shows_the_chain_head_and_the_latest_checkpoints(office: Office) -> None:
    page = office.page_client("auditor").get("/integrity")

    assert page.status_code == 200
    head = office.tally.recorder.chain_head()  # type: ignore[attr-defined]
    assert f'<dd class="num">{head.position}</dd>' in page.text
    assert head.chain_hash.hex() in page.text
    checkpoints = office.tally.recorder.select_checkpoints()  # type: ignore[attr-defined]
    shown = table_rows(page.text, "checkpoints")
    assert [row[0] for row in shown] == [str(point.position)
                                         for point in reversed(checkpoints[-20:])]
    assert f"共 {len(checkpoints)} 个检查点" in page.text
    assert 'id="verified"' not in page.text  # nothing recomputed until asked


def test_a_clean_log_verifies_since_the_checkpoint_and_whole_with_its_bulletins(
        office: Office) -> None:
    auditor = office.page_client("auditor")
    head = office.tally.recorder.chain_head()  # type: ignore[attr-defined]
    checkpoints = office.tally.recorder.select_checkpoints()  # type: ignore[attr-defined]

    latest = auditor.get("/integrity", params={"check": "latest"})
    start = checkpoints[-1].position if checkpoints else 0
    assert (f"日志校验通过：自第 {start} 位之后检查了 {head.position - start} 个事件，"
            f"至第 {head.position} 位") in latest.text
    assert 'id="bulletin-checks"' not in latest.text

    whole = office.page_client("administrator").get("/integrity", params={"check": "all"})
    assert (f"日志校验通过：检查了全部 {head.position} 个事件，至第 {head.position} 位；"
            f"{len(checkpoints)} 个检查点一致") in whole.text
    published = office.tally.published_bulletin("2025-02")
    assert table_rows(whole.text, "bulletin-checks") == [
        ["2025-02", str(published["position"]), published["digest"], "摘要一致"]]


def test_a_chain_hash_someone_holds_is_compared_with_the_log_at_its_position(
        office: Office) -> None:
    auditor = office.page_client("auditor")
    recorder = office.tally.recorder
    point = recorder.select_checkpoints()[-1]  # type: ignore[attr-defined]
    head = recorder.chain_head()  # type: ignore[attr-defined]

    same = auditor.get("/integrity", params={"position": str(point.position),
                                             "hash": point.chain_hash.hex().upper()})
    assert f"日志第 {point.position} 位的链哈希与您持有的一致。" in same.text

    other = auditor.get("/integrity", params={"position": str(point.position),
                                              "hash": head.chain_hash.hex()})
    assert (f"日志第 {point.position} 位的链哈希与您持有的不一致："
            f"日志中为 {point.chain_hash.hex()}。") in other.text

    beyond = auditor.get("/integrity", params={"position": str(head.position + 1),
                                               "hash": head.chain_hash.hex()})
    assert f"日志中没有第 {head.position + 1} 位的事件。" in beyond.text


@pytest.mark.parametrize(("params", "field"), [
    ({"check": "everything"}, "check"),
    ({"position": "12"}, "hash"),
    ({"hash": "ab" * 32}, "position"),
    ({"position": "0", "hash": "ab" * 32}, "position"),
    ({"position": "twelve", "hash": "ab" * 32}, "position"),
    ({"position": "12", "hash": "ab" * 31}, "hash"),
    ({"position": "12", "hash": "xy" * 32}, "hash"),
])
def test_bad_input_is_refused_naming_the_field(office: Office, params: dict[str, str],
                                               field: str) -> None:
    page = office.page_client("auditor").get("/integrity", params=params)
    assert page.status_code == 422
    assert f'<code id="error-field">{field}</code>' in page.text


@pytest.mark.parametrize("role", ["officer", "approver", "editor", "leader"])
def test_only_auditors_and_administrators_verify(office: Office, role: str) -> None:
    assert office.page_client(role).get("/integrity").status_code == 403


def test_a_changed_event_is_found_at_its_position(app: Tally,
                                                  database: DatabaseSettings) -> None:
    office_history(app)
    app.open_account("auditor", "郑审计", ["auditor"], meta=SETUP)
    services = Services(database, app)
    client = TestClient(create_app(services=services, session=SESSION))
    set_password(client, "auditor")
    log_in(client, "auditor")
    attacker = Attacker(database)
    attacker.flip_a_byte_of_state(7)
    attacker.close()

    page = client.get("/integrity", params={"check": "all"})
    client.close()

    assert page.status_code == 200
    assert "日志在第 7 位校验未通过：有事件被改动。" in page.text
    assert "第 6 位之前校验通过" in page.text
    assert 'id="verified"' not in page.text
    assert 'id="bulletin-checks"' not in page.text  # not recomputed from a changed log


def test_a_published_bulletin_links_its_chain_hash_to_the_comparison(office: Office) -> None:
    published = office.tally.published_bulletin("2025-02")
    link = office.tally.recorder.select_link(published["position"])  # type: ignore[attr-defined]
    auditor = office.page_client("auditor")

    page = auditor.get("/bulletins/2025-02/published")
    href = re.search(r'<a href="([^"]+)" id="chain-head"><code>([0-9a-f]{64})</code>',
                     page.text)
    assert href is not None and href[2] == link.chain_hash.hex()
    compared = auditor.get(href[1].replace("&amp;", "&"))
    assert f"日志第 {published['position']} 位的链哈希与您持有的一致。" in compared.text

    officer = office.page_client("officer").get("/bulletins/2025-02/published")
    assert f'<code id="chain-head">{link.chain_hash.hex()}</code>' in officer.text
    assert "/integrity?" not in officer.text
