"""Planning the rows about items: submissions and their returns, sign-off, withdrawals, outlets'
answers, leader instructions and feedback, and findings (mixed into ``Planner``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from api.ledger_ids import id_of, named
from api.ledger_rows import Row

if TYPE_CHECKING:
    from api.ledger_plan import Planner

APPROVAL_COLUMNS = ("submission_id", "approved_by", "approved_on", "approved_known_on")
REVISED = ("title", "category", "authors", "event_date", "research")
#: The leader named when an instruction's row gives only the level.
LEADERS = {"national": "国家级领导", "provincial": "省级领导", "city": "市级领导",
           "county": "县级领导"}


class ItemPlanning:
    """The second half of ``Planner``: what happened to each item."""

    def plan_items(self: Planner) -> None:
        # The drafts a return or a revision revises are kept; the file is read again for the
        # sign-offs.
        returned = {row["submission_id"] for name in ("returns.csv", "revisions.csv")
                    for row in self.of(name, ("submission_id",))}
        drafts: dict[str, Row] = {}
        for row in self.of("submissions.csv"):
            if row["submission_id"] in returned:
                drafts[row["submission_id"]] = row
            new = self.define("submission", row, "submission_id")
            authors = [self.refer("officer", row, "authors", code)
                       for code, _ in row["authors"] or []]
            commission = self.refer("commission", row, "commission_id")
            if not (new and all(authors) and (commission or not row["commission_id"])):
                continue
            code = row["submission_id"]
            needs = [*[("officer", c) for c, _ in row["authors"]],
                     ("commission", row["commission_id"])]
            submitted = self.known(row, *needs)
            if row["submitted_on"] is None:  # a draft not submitted yet
                drafted = self.known(row, *needs, column="drafted_known_on")
            else:
                drafted = min(self.when(row["drafted_known_on"]) or submitted, submitted)
            self.add(row, "draft_submission", drafted, ("drafted", code),
                     title=row["title"], channel=row["channel"], category=row["category"],
                     authors=as_args("authors", row["authors"]),
                     event_date=row["event_date"], research=row["research"] or False,
                     commission=str(commission) if commission else None,
                     **named("submission", code))
            if row["submitted_on"] is None:
                continue
            self.add(row, "submit", submitted, ("submitted", code),
                     submission_id=str(id_of("submission", code)),
                     submitted_on=row["submitted_on"])
        self.plan_revisions(drafts)
        self.plan_returns(drafts)
        del drafts
        for row in self.of("submissions.csv", APPROVAL_COLUMNS):
            if (row["approved_by"] is None) != (row["approved_on"] is None):
                missing = "approved_on" if row["approved_on"] is None else "approved_by"
                self.error(row, missing, "give approved_by and approved_on together")
            elif row["approved_by"] and self.refer("account", row, "approved_by") and \
                    row["submission_id"] in self.defined["submission"]:
                code = row["submission_id"]
                known = self.known(row, ("submitted", code), ("account", row["approved_by"]),
                                   column="approved_known_on", own="approved_on")
                approved_at = row["approved_on"] if isinstance(row["approved_on"], datetime) \
                    else self.when(row["approved_on"])
                self.add(row, "approve", known, ("approved", code),
                         submission_id=str(id_of("submission", code)),
                         approver=row["approved_by"], approved_at=approved_at)

    def plan_revisions(self: Planner, drafts: dict[str, Row]) -> None:
        """Drafts revised before they were first submitted: a column left empty keeps the
        draft's."""
        for row in self.of("revisions.csv"):
            item = self.refer("submission", row, "submission_id")
            if item is None:
                continue
            base = self.current(drafts.get(row["submission_id"]), item)
            self.add(row, "revise_draft", self.known(row, ("drafted", row["submission_id"])), None,
                     submission_id=str(item),
                     **{c: base[c] if row[c] is None else as_args(c, row[c]) for c in REVISED})

    def plan_returns(self: Planner, drafts: dict[str, Row]) -> None:
        for row in self.of("returns.csv"):
            item = self.refer("submission", row, "submission_id")
            if item is None:
                continue
            code = row["submission_id"]
            returned = self.known(row, ("submitted", code), column="returned_on")
            self.add(row, "return_submission", returned, ("submitted", code),
                     submission_id=str(item), reason=row["reason"])
            if any(row[c] is not None for c in REVISED):
                base = self.current(drafts.get(code), item)
                revised = self.known(row, ("submitted", code), column="revised_known_on",
                                     own="resubmitted_on" if row["resubmitted_on"]
                                     else "returned_on")
                self.add(row, "revise_submission", revised, ("submitted", code),
                         submission_id=str(item),
                         **{c: base[c] if row[c] is None else as_args(c, row[c])
                            for c in REVISED})
            if row["resubmitted_on"] is None:
                continue
            again = self.known(row, ("submitted", code), column="resubmitted_known_on",
                               own="resubmitted_on")
            self.add(row, "resubmit", again, ("submitted", code),
                     {"submitted_on": "resubmitted_on"}, submission_id=str(item),
                     submitted_on=row["resubmitted_on"])

    def current(self: Planner, draft: Row | None, item: UUID) -> dict[str, Any]:
        """The content an item has before a revision, from its row or from the store."""
        if draft is not None:
            return {"title": draft["title"], "category": draft["category"],
                    "authors": as_args("authors", draft["authors"]),
                    "event_date": draft["event_date"], "research": draft["research"] or False}
        stored = self.store.load(item)
        codes = {a.officer_id: self.store.load(a.officer_id).code for a in stored.authors}
        return {"title": stored.title, "category": stored.category.value,
                "authors": [{"officer": codes[a.officer_id], "share": a.share}
                            for a in stored.authors],
                "event_date": stored.event_date, "research": stored.research}

    def plan_outcomes(self: Planner) -> None:
        for row in self.of("withdrawals.csv"):
            item = self.refer("submission", row, "submission_id")
            if item:
                self.add(row, "withdraw", self.known(row, ("submitted", row["submission_id"]),
                                                     column="withdrawn_on"),
                         None, submission_id=str(item), reason=row["reason"])
        for name, command in (("sends.csv", "send_to_outlet"), ("declines.csv", "record_decline"),
                              ("adoptions.csv", "record_adoption"),
                              ("retractions.csv", "retract_adoption")):
            for row in self.of(name):
                self.plan_outcome(row, command)
        self.plan_instructions()
        self.plan_appeals()

    def plan_outcome(self: Planner, row: Row, command: str) -> None:
        item = self.refer("submission", row, "submission_id")
        outlet = self.refer("outlet", row, "outlet_id")
        if not (item and outlet):
            return
        code, place = row["submission_id"], row["outlet_id"]
        needs = [("approved", code), ("submitted", code), ("outlet", place)]
        args: dict[str, Any] = {"submission_id": str(item), "outlet": place}
        if command == "send_to_outlet":
            args.update(route=row["route"], sent_on=row["sent_on"])
            needs.append(("sent", code, place))
        elif command == "record_decline":
            args.update(declined_on=row["declined_on"], reason=row["reason"] or "")
        elif command == "record_adoption":
            args.update(form=row["form"], adopted_on=row["adopted_on"], route=row["route"])
            needs.append(("sent", code, place))
        else:
            args.update(reason=row["reason"])
            needs.append(("adopted", code, place))
        provides = {"send_to_outlet": ("sent", code, place),
                    "record_adoption": ("adopted", code, place)}.get(command)
        self.add(row, command, self.known(row, *needs), provides, **args)

    def numbered(self: Planner, given: dict[str, list[tuple[datetime, Row, UUID]]],
                 held: str) -> Iterator[tuple[int, datetime, Row, UUID]]:
        """Each item's rows numbered in known order, after those of the kind (``held``: the
        item's list of them) the store holds already, as the item numbers them."""
        for code, rows in given.items():
            earlier = 0
            if code not in self.defined["submission"]:
                earlier = len(getattr(self.store.load(rows[0][2]), held))
            for number, (known, row, item) in enumerate(
                    sorted(rows, key=lambda r: (r[0], r[1].line)), earlier + 1):
                yield number, known, row, item

    def plan_instructions(self: Planner) -> None:
        given: dict[str, list[tuple[datetime, Row, UUID]]] = defaultdict(list)
        for row in self.of("instructions.csv"):
            item = self.refer("submission", row, "submission_id")
            if item:
                code = row["submission_id"]
                given[code].append((self.known(row, ("approved", code)), row, item))
        for number, known, row, item in self.numbered(given, "instructions"):
            self.add(row, "record_instruction", known,
                     ("instruction", row["submission_id"], number), submission_id=str(item),
                     leader_level=row["leader_level"],
                     leader=row["leader"] or LEADERS[row["leader_level"]],
                     instructed_on=row["instructed_on"], text=row["text"] or "")
        for row in self.of("feedback.csv"):
            item = self.refer("submission", row, "submission_id")
            if item:
                number = row["instruction"] or 1
                known = self.known(row, ("instruction", row["submission_id"], number))
                self.add(row, "record_feedback", known, None, submission_id=str(item),
                         instruction=number, fed_back_on=row["fed_back_on"], text=row["text"])

    def plan_appeals(self: Planner) -> None:
        filed: dict[str, list[tuple[datetime, Row, UUID]]] = defaultdict(list)
        for row in self.of("appeals.csv"):
            item = self.refer("submission", row, "submission_id")
            if item and self.refer("officer", row, "officer_id"):
                code = row["submission_id"]
                filed[code].append((self.known(row, ("submitted", code),
                                               ("officer", row["officer_id"])), row, item))
        for number, known, row, item in self.numbered(filed, "appeals"):
            self.add(row, "file_appeal", known, ("appeal", row["submission_id"], number),
                     submission_id=str(item), officer=row["officer_id"],
                     filed_on=row["filed_on"], reason=row["reason"])
        for row in self.of("appeal_decisions.csv"):
            item = self.refer("submission", row, "submission_id")
            if item:
                number = row["appeal"] or 1
                self.add(row, "decide_appeal",
                         self.known(row, ("appeal", row["submission_id"], number)), None,
                         submission_id=str(item), appeal=number, upheld=row["upheld"],
                         decided_on=row["decided_on"], reason=row["reason"])

    def plan_findings(self: Planner) -> None:
        for row in self.of("findings.csv"):
            new = self.define("finding", row, "finding_id") if row["finding_id"] else row.ok
            kind = self.holder(row)
            item = self.refer("submission", row, "submission_id")
            if new and kind and (item or not row["submission_id"]):
                provides = ("finding", row["finding_id"]) if row["finding_id"] else None
                self.add(row, "record_finding", self.known(row, (kind, row["holder_id"])),
                         provides,
                         kind=row["kind"], holder_kind=kind, holder=row["holder_id"],
                         found_on=row["found_on"], reason=row["reason"],
                         submission_id=str(item) if item else None,
                         **(named("finding", row["finding_id"]) if row["finding_id"] else {}))
        for row in self.of("withdrawn_findings.csv"):
            finding = self.refer("finding", row, "finding_id")
            if finding:
                self.add(row, "withdraw_finding",
                         self.known(row, ("finding", row["finding_id"])), None,
                         finding_id=str(finding), reason=row["reason"])


def as_args(column: str, value: Any) -> Any:
    """A parsed cell as the command takes it: authors as a list of {officer, share}."""
    if column == "authors":
        return [{"officer": code, "share": share} for code, share in value]
    return value
