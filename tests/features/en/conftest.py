"""Steps of the scoring specifications in English (features/scoring/en/*.feature).

The same service calls as the Chinese steps (tests/features/office.py); only the words differ.
Names with spaces become codes with underscores: "Zhang Wei" is the officer Zhang_Wei.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pytest_bdd import given, parsers, then, when

from domain.application import CommandMeta, Tally
from domain.standings import Standing
from projections.scores import ScoreReports
from tests.features import office

FORMS = {"in full": "full", "as merged": "merged", "as an excerpt": "excerpt"}
ROUTES = {"forwarded": "forwarded", "sent directly": "direct"}
KINDS = {"information item": "info", "publicity article": "publicity"}
NAME = r"[^\"|]+?"
VALUES = {
    "day": r"\d{4}-\d{2}-\d{2}", "title": r"[^\"]+", "authors": r"[^\"]+?",
    "name": NAME, "outlet": NAME, "kind": "|".join(KINDS), "form": "|".join(FORMS),
    "route": "|".join(ROUTES), "period": r"\d{4}(?:-Q[1-4]|-H[12]|-\d{2})?",
    "points": r"-?[\d.]+", "verb": "submits|submit",
}


def step(text: str) -> parsers.re:
    return parsers.re(office.step_pattern(text, VALUES))


def code(name: str) -> str:
    return name.strip().replace(" ", "_")


def author_list(text: str) -> str:
    """Zhang Wei (0.6) and Wang Fang (0.4) → the service's "Zhang_Wei:0.6;Wang_Fang:0.4"."""
    result = []
    for part in re.split(r",\s*|\s+and\s+", text):
        match = re.fullmatch(r"(.+?)(?:\s*\(([\d.]+)\))?", part.strip())
        assert match, part
        name, share = match.groups()
        result.append(f"{code(name)}:{share}" if share else code(name))
    return ";".join(result)


def read_standing(app: Tally, reports: Callable[[], ScoreReports], name: str,
                  period: str) -> Standing:
    holder = code(name)
    return reports().standing(holder, period, by=office.holder_kind(app, holder))


@given(step("the scoring method:"), target_fixture="method_code")
def method_published(app: Tally, meta: CommandMeta, docstring: str) -> str:
    return office.publish(app, meta, docstring)


@given("these officers:")
def officers(app: Tally, meta: CommandMeta, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    for row in rows:
        entry = dict(zip(header, row, strict=True))
        office.enrol(app, meta, code(entry["name"]), code(entry["unit"]))


@given("these outlets:")
def outlets(app: Tally, meta: CommandMeta, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    for row in rows:
        entry = dict(zip(header, row, strict=True))
        office.register_outlet(app, meta, code(entry["name"]), entry["channel"], entry["level"])


SUBMITTED = "{authors} {verb} the {kind} \"{title}\" on {day}"


@given(step(SUBMITTED))
@when(step(SUBMITTED))
def item_submitted(app: Tally, meta: CommandMeta, authors: str, verb: str, kind: str,
                   title: str, day: str) -> None:
    office.submit_item(app, meta, authors=author_list(authors), title=title,
                       channel=KINDS[kind], category="other", research=False, event_date=day,
                       submitted_on=day)


@when(step("\"{title}\" is {route} to {outlet} on {day}"))
def item_sent(app: Tally, meta: CommandMeta, title: str, route: str, outlet: str,
              day: str) -> None:
    office.send(app, meta, title, code(outlet), ROUTES[route], day)


@when(step("{outlet} adopts \"{title}\" {form} on {day}"))
def item_adopted(app: Tally, meta: CommandMeta, outlet: str, title: str, form: str,
                 day: str) -> None:
    office.adopt(app, meta, title, code(outlet), FORMS[form], day)


@then(step("{name} scores {points} points in {period}"))
def points_are(app: Tally, reports: Callable[[], ScoreReports], name: str, points: str,
               period: str) -> None:
    found = read_standing(app, reports, name, period)
    assert office.number(found.points) == office.number(points), office.explain(found)


@then(step("the score lines of {name} in {period} are:"))
def lines_are(app: Tally, reports: Callable[[], ScoreReports], name: str, period: str,
              datatable: list[list[str]]) -> None:
    found = read_standing(app, reports, name, period)
    header, *rows = datatable
    actual, expected = office.line_tables(found, header, rows)
    assert actual == expected, office.explain(found)
