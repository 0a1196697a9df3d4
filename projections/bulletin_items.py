"""The parts of a bulletin about items: adoptions counted by level, channel and outlet, the
highlights (national and provincial adoptions, leader instructions) and the year's top items.

Counts and sums read the ledger's lines of the period: an adoption is one (item, outlet, date)
however many authors share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from domain.facts import AdoptionFact, Facts, ItemFacts
from domain.period import Period
from domain.scoring import CENT, ScoreLine
from domain.values import Channel, Level
from projections.labels import CHANNELS, FORMS, LEVELS, label

ADOPTION_PREFIX = "adoption:"
HIGH_LEVELS = (Level.NATIONAL, Level.PROVINCIAL)
LEVEL_ORDER = {level: n for n, level in enumerate(Level)}  # national first
TOP_ITEMS = 10


def adoptions(lines: Iterable[ScoreLine]) -> dict[tuple[str, str], list[ScoreLine]]:
    """The lines of each adoption (item id, ref), one per author, in key order."""
    grouped: dict[tuple[str, str], list[ScoreLine]] = {}
    for line in lines:
        if line.adoption and line.item_id:
            grouped.setdefault((line.item_id, line.ref), []).append(line)
    return dict(sorted(grouped.items()))


def outlet_code(ref: str) -> str:
    """``adoption:info-province-party:2025-12-26`` → ``info-province-party``."""
    return ref.removeprefix(ADOPTION_PREFIX).rsplit(":", 1)[0]


def adoption_fact(item: ItemFacts | None, line: ScoreLine) -> AdoptionFact | None:
    if item is None:
        return None
    code = outlet_code(line.ref)
    return next((a for a in item.adoptions
                 if a.outlet_code == code and a.adopted_on == line.valid_on), None)


def outlet_names(facts: Facts) -> dict[str, str]:
    names: dict[str, str] = {}
    for item_id in sorted(facts.items):
        for adoption in facts.items[item_id].adoptions:
            names.setdefault(adoption.outlet_code, adoption.outlet_name)
    return names


def adoption_counts(lines: Iterable[ScoreLine], facts: Facts) -> dict[str, Any]:
    """Adoptions in all, by channel, by level and channel, and by outlet."""
    found = [group[0] for group in adoptions(lines).values()]
    names = outlet_names(facts)

    def count(level: Level | None = None, channel: Channel | None = None) -> int:
        return sum(1 for line in found if (level is None or line.level is level)
                   and (channel is None or line.channel is channel))

    by_outlet: dict[str, list[ScoreLine]] = {}
    for line in found:
        by_outlet.setdefault(outlet_code(line.ref), []).append(line)
    outlets = [{
        "outlet": code, "name": names.get(code, code),
        "level": group[0].level.value if group[0].level else None,
        "level_name": label(LEVELS, group[0].level) if group[0].level else "",
        "channel": group[0].channel.value if group[0].channel else None,
        "channel_name": label(CHANNELS, group[0].channel) if group[0].channel else "",
        "count": len(group),
    } for code, group in by_outlet.items()]
    outlets.sort(key=lambda o: (LEVEL_ORDER.get(Level(o["level"]), 9) if o["level"] else 9,
                                o["channel"] or "", -o["count"], o["outlet"]))
    return {
        "adoptions": len(found),
        "adoptions_by_channel": {channel.value: count(channel=channel) for channel in Channel},
        "adoptions_by_level": [{
            "level": level.value, "name": label(LEVELS, level),
            **{channel.value: count(level, channel) for channel in Channel},
            "total": count(level),
        } for level in Level],
        "adoptions_by_outlet": outlets,
    }


def author_names(item: ItemFacts, facts: Facts) -> list[str]:
    return [facts.officers[officer].name if officer in facts.officers else officer
            for officer, _ in item.authors]


def unit_names(unit_ids: Iterable[str | None], facts: Facts) -> list[str]:
    units = sorted({u for u in unit_ids if u is not None and u in facts.units},
                   key=lambda u: facts.units[u].code)
    return [facts.units[u].name for u in units]


def high_level_adoptions(lines: Iterable[ScoreLine], facts: Facts) -> list[dict[str, Any]]:
    """Each adoption of the period at national or provincial level, with its points."""
    result = []
    for (item_id, _), group in adoptions(lines).items():
        first = group[0]
        if first.level not in HIGH_LEVELS:
            continue
        item = facts.items.get(item_id)
        fact = adoption_fact(item, first)
        code = outlet_code(first.ref)
        result.append({
            "title": item.title if item else "", "channel": first.channel.value
            if first.channel else None, "outlet": code,
            "outlet_name": fact.outlet_name if fact else code,
            "level": first.level.value if first.level else None,
            "level_name": label(LEVELS, first.level), "adopted_on": first.valid_on.isoformat(),
            "form": label(FORMS, fact.form) if fact else "",
            "authors": author_names(item, facts) if item else [],
            "units": unit_names((line.unit_id for line in group), facts),
            "points": str(sum((line.points for line in group), Decimal(0)).quantize(CENT)),
        })
    result.sort(key=lambda r: (LEVEL_ORDER[Level(r["level"])], r["adopted_on"], r["title"],
                               r["outlet"]))
    return result


def instructed_items(facts: Facts, span: Period) -> list[dict[str, Any]]:
    """Each leader instruction of the period on an item that counts (submitted, not withdrawn)."""
    result = []
    for item_id in sorted(facts.items):
        item = facts.items[item_id]
        if item.withdrawn or item.submitted_on is None or not item.authors:
            continue
        lead = item.authors[0][0]
        for instruction in item.instructions:
            if instruction.instructed_on not in span:
                continue
            result.append({
                "title": item.title, "leader": instruction.leader,
                "level": instruction.level.value, "level_name": label(LEVELS, instruction.level),
                "instructed_on": instruction.instructed_on.isoformat(),
                "authors": author_names(item, facts),
                "units": unit_names([facts.unit_of(lead, item.event_date)], facts),
            })
    result.sort(key=lambda r: (r["instructed_on"], LEVEL_ORDER[Level(r["level"])], r["title"],
                               r["leader"]))
    return result


def top_items(lines: Iterable[ScoreLine], facts: Facts, count: int = TOP_ITEMS
              ) -> list[dict[str, Any]]:
    """The items with the most points, ranked 1-2-2-4 (ties listed by title); all items tied
    with the last place shown are listed too."""
    by_item: dict[str, list[ScoreLine]] = {}
    for line in lines:
        if line.item_id:
            by_item.setdefault(line.item_id, []).append(line)
    scored = []
    for item_id, group in by_item.items():
        points = sum((line.points for line in group), Decimal(0))
        if points > 0:
            scored.append((points, item_id, group))
    item_title = {item_id: facts.items[item_id].title if item_id in facts.items else ""
                  for _, item_id, _ in scored}
    scored.sort(key=lambda s: (-s[0], item_title[s[1]], s[1]))
    result: list[dict[str, Any]] = []
    for position, (points, item_id, group) in enumerate(scored, 1):
        rank = result[-1]["rank"] if result and Decimal(result[-1]["points"]) == points \
            else position
        if rank > count:
            break
        item = facts.items.get(item_id)
        levels = [line.level for line in group if line.adoption and line.level]
        result.append({
            "rank": rank, "title": item_title[item_id],
            "channel": group[0].channel.value if group[0].channel else None,
            "authors": author_names(item, facts) if item else [],
            "units": unit_names((line.unit_id for line in group), facts),
            "points": str(points.quantize(CENT)),
            "money": str(sum((line.money for line in group), Decimal(0)).quantize(CENT)),
            "adoptions": len({line.ref for line in group if line.adoption}),
            "highest_level": min(levels, key=LEVEL_ORDER.__getitem__).value if levels else None,
        })
    return result
