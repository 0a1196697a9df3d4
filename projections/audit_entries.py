"""What each event means in the audit trail: its subject, a Chinese summary and whom it concerns.

Names come from earlier events, kept in the audit view's name tables (``Names``); each handler
returns the name-table updates its event makes, for the projection to commit with the row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from eventsourcing.dispatch import singledispatchmethod

from domain.account import Account
from domain.bulletin import Bulletin
from domain.commission import Commission
from domain.finding import Finding
from domain.honour import Honour
from domain.idempotency import CommandRecord
from domain.method_book import MethodBook
from domain.officer import Officer
from domain.outlet import Outlet
from domain.period import Period
from domain.reward import Reward
from domain.submission import Submission
from domain.target import Target
from domain.unit import Unit
from domain.values import HolderKind
from projections.bulletins import title as bulletin_title
from projections.labels import (
    CATEGORIES,
    CHANNELS,
    FINDINGS,
    FORMS,
    HONOURS,
    LEVELS,
    ROLES,
    ROUTES,
    label,
)
from projections.view import Statement

#: The aggregate kind of an event, from the class its event class is nested in.
KINDS = {"Unit": "unit", "Officer": "officer", "Account": "account", "Outlet": "outlet",
         "Submission": "submission", "Commission": "commission", "Target": "target",
         "Finding": "finding", "MethodBook": "method_book", "CommandRecord": "command_record"}


class Names(Protocol):
    def name(self, name_id: str) -> dict[str, Any] | None: ...

    def name_by_code(self, kind: str, code: str) -> dict[str, Any] | None: ...

    def item(self, submission_id: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Entry:
    """The audit trail's reading of one event."""

    reference: str
    summary: str
    submissions: tuple[str, ...] = ()
    officers: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()  # those an item's drafting or revision names as its authors
    units: tuple[str, ...] = ()
    names: tuple[NameRecord | ItemRecord, ...] = ()
    #: Instead of its own: whom the aggregate's first event concerns (a role granted on an
    #: account, a target adjusted, a finding withdrawn concern what their creation did).
    as_created: bool = False


def aggregate_kind(event: Any) -> str:
    outer = type(event).__qualname__.split(".")[0]
    return KINDS.get(outer, outer.lower())


@dataclass(frozen=True)
class NameRecord:
    """A row of ``audit_names``: what a unit, officer, outlet, account... is called now."""

    id: str
    kind: str
    code: str | None
    name: str
    unit_id: str | None = None

    def row(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "code": self.code, "name": self.name,
                "unit_id": self.unit_id}

    def statement(self, *, new: bool = False) -> Statement:
        """The upsert of the row (a plain insert when it is known to be ``new``)."""
        insert = "INSERT INTO audit_names (id, kind, code, name, unit_id) VALUES (?, ?, ?, ?, ?)"
        return (insert if new else insert + " ON CONFLICT (id) DO UPDATE SET code = "
                "excluded.code, name = excluded.name, unit_id = excluded.unit_id",
                (self.id, self.kind, self.code, self.name, self.unit_id))


@dataclass(frozen=True)
class ItemRecord:
    """A row of ``audit_items``: an item's ref, title, unit and authors now."""

    id: str
    ref: str | None
    title: str
    unit_id: str
    authors: tuple[str, ...]

    def row(self) -> dict[str, Any]:
        return {"id": self.id, "ref": self.ref, "title": self.title, "unit_id": self.unit_id,
                "authors": " ".join(self.authors)}

    def statement(self, *, new: bool = False) -> Statement:
        """The upsert of the row (a plain insert when it is known to be ``new``)."""
        insert = "INSERT INTO audit_items (id, ref, title, unit_id, authors) VALUES (?, ?, ?, ?, ?)"
        return (insert if new else insert + " ON CONFLICT (id) DO UPDATE SET title = "
                "excluded.title, authors = excluded.authors",
                (self.id, self.ref, self.title, self.unit_id, " ".join(self.authors)))


def amount(value: Decimal) -> str:
    return format(value.normalize(), "f")


def day(value: date) -> str:
    return value.isoformat()


class Describer:
    """One handler per event class; the default describes any other event plainly."""

    def __init__(self, names: Names) -> None:
        self.names = names

    # Lookups -----------------------------------------------------------------------

    def _name(self, name_id: Any, fallback: str) -> str:
        row = self.names.name(str(name_id))
        return row["name"] if row else fallback

    def _code(self, name_id: Any) -> str:
        row = self.names.name(str(name_id))
        return (row["code"] or row["name"]) if row else str(name_id)

    def unit(self, unit_id: Any) -> str:
        return self._name(unit_id, "未知单位")

    def officer(self, officer_id: Any) -> str:
        return self._name(officer_id, "未知信息员")

    def outlet(self, outlet_id: Any) -> str:
        return self._name(outlet_id, "未知采用单位")

    def item(self, e: Any) -> dict[str, Any]:
        row = self.names.item(str(e.originator_id))
        if row is None:
            return {"ref": None, "title": "未知稿件", "unit_id": None, "authors": []}
        return {**row, "authors": row["authors"].split()}

    def holder(self, holder_kind: HolderKind, holder_id: Any) -> str:
        if holder_kind is HolderKind.OFFICER:
            return self.officer(holder_id)
        return self.unit(holder_id)

    def on_item(self, e: Any, summary: str, *, officers: tuple[str, ...] = (),
                names: tuple[NameRecord | ItemRecord, ...] = ()) -> Entry:
        item = self.item(e)
        return Entry(reference=item["ref"] or item["title"], summary=summary,
                     submissions=(str(e.originator_id),), officers=officers,
                     units=(item["unit_id"],) if item["unit_id"] else (), names=names)

    def title(self, e: Any) -> str:
        return f"《{self.item(e)['title']}》"

    # Any event ---------------------------------------------------------------------

    @singledispatchmethod
    def describe(self, e: Any) -> Entry:
        return Entry(reference=str(e.originator_id), summary=f"{type(e).__qualname__} 事件")

    # Units and officers ------------------------------------------------------------

    @describe.register
    def _(self, e: Unit.Registered) -> Entry:
        unit_id = str(e.originator_id)
        return Entry(e.code, f"登记单位{e.name}（{e.code}，{e.unit_class}），"
                             f"{day(e.registered_on)}起",
                     units=(unit_id,), names=(NameRecord(unit_id, "unit", e.code, e.name),))

    @describe.register
    def _(self, e: Unit.Renamed) -> Entry:
        unit_id = str(e.originator_id)
        return Entry(self._code(unit_id),
                     f"{self.unit(unit_id)}更名为{e.name}，{day(e.effective_on)}起",
                     units=(unit_id,),
                     names=(NameRecord(unit_id, "unit", self._code(unit_id), e.name),))

    @describe.register
    def _(self, e: Unit.Reclassified) -> Entry:
        unit_id = str(e.originator_id)
        return Entry(self._code(unit_id), f"{self.unit(unit_id)}类别调整为{e.unit_class}",
                     units=(unit_id,))

    @describe.register
    def _(self, e: Unit.Closed) -> Entry:
        unit_id = str(e.originator_id)
        successor = str(e.successor_id) if e.successor_id else None
        heir = f"，工作并入{self.unit(successor)}" if successor else ""
        return Entry(self._code(unit_id),
                     f"{self.unit(unit_id)}撤并，{day(e.closed_on)}起{heir}（{e.reason}）",
                     units=(unit_id, successor) if successor else (unit_id,))

    @describe.register
    def _(self, e: Officer.Enrolled) -> Entry:
        officer_id, unit_id = str(e.originator_id), str(e.unit_id)
        return Entry(e.code, f"{e.name}登记为{self.unit(unit_id)}信息员，{day(e.enrolled_on)}起",
                     officers=(officer_id,), units=(unit_id,),
                     names=(NameRecord(officer_id, "officer", e.code, e.name, unit_id),))

    @describe.register
    def _(self, e: Officer.Transferred) -> Entry:
        officer_id, to_unit = str(e.originator_id), str(e.to_unit_id)
        row = self.names.name(officer_id)
        from_unit = row["unit_id"] if row else None
        came_from = f"由{self.unit(from_unit)}" if from_unit else ""
        return Entry(self._code(officer_id),
                     f"{self.officer(officer_id)}{came_from}调入{self.unit(to_unit)}，"
                     f"{day(e.effective_on)}起",
                     officers=(officer_id,),
                     units=tuple(u for u in (from_unit, to_unit) if u),
                     names=(NameRecord(officer_id, "officer", self._code(officer_id),
                                       self.officer(officer_id), to_unit),))

    @describe.register
    def _(self, e: Officer.Left) -> Entry:
        officer_id = str(e.originator_id)
        row = self.names.name(officer_id)
        unit_id = row["unit_id"] if row else None
        return Entry(self._code(officer_id),
                     f"{self.officer(officer_id)}离任（{self.unit(unit_id)}），"
                     f"{day(e.left_on)}起",
                     officers=(officer_id,), units=(unit_id,) if unit_id else ())

    # Accounts and outlets ----------------------------------------------------------

    @describe.register
    def _(self, e: Account.Opened) -> Entry:
        roles = "、".join(label(ROLES, role) for role in e.roles)
        unit_id = str(e.unit_id) if e.unit_id else None
        return Entry(e.username, f"开设账号{e.username}（{e.display_name}），角色：{roles}",
                     officers=(str(e.officer_id),) if e.officer_id else (),
                     units=(unit_id,) if unit_id else (),
                     names=(NameRecord(str(e.originator_id), "account", e.username,
                                       e.display_name, unit_id),))

    @describe.register
    def _(self, e: Account.RoleGranted) -> Entry:
        return self.account(e, f"账号{self._code(e.originator_id)}增加角色："
                               f"{label(ROLES, e.role)}")

    @describe.register
    def _(self, e: Account.RoleRevoked) -> Entry:
        return self.account(e, f"账号{self._code(e.originator_id)}撤销角色："
                               f"{label(ROLES, e.role)}")

    @describe.register
    def _(self, e: Account.Closed) -> Entry:
        return self.account(e, f"关闭账号{self._code(e.originator_id)}")

    def account(self, e: Any, summary: str) -> Entry:
        return Entry(self._code(e.originator_id), summary, as_created=True)

    @describe.register
    def _(self, e: Outlet.Registered) -> Entry:
        return Entry(e.code, f"登记采用单位{e.name}（{e.code}，{label(CHANNELS, e.channel)}，"
                             f"{label(LEVELS, e.level)}）",
                     names=(NameRecord(str(e.originator_id), "outlet", e.code, e.name),))

    @describe.register
    def _(self, e: Outlet.Renamed) -> Entry:
        outlet_id = str(e.originator_id)
        return Entry(self._code(outlet_id), f"采用单位{self.outlet(outlet_id)}更名为{e.name}",
                     names=(NameRecord(outlet_id, "outlet", self._code(outlet_id), e.name),))

    # Submissions -------------------------------------------------------------------

    @describe.register
    def _(self, e: Submission.Drafted) -> Entry:
        item_id, unit_id = str(e.originator_id), str(e.unit_id)
        authors = [str(a.officer_id) for a in e.authors]
        who = "、".join(self.officer(a) for a in authors)
        return Entry(e.ref or e.title,
                     f"{who}起草《{e.title}》（{label(CHANNELS, e.channel)}，"
                     f"{label(CATEGORIES, e.category)}，事件日期{day(e.event_date)}）",
                     submissions=(item_id,), authors=tuple(authors), units=(unit_id,),
                     names=(ItemRecord(item_id, e.ref, e.title, unit_id, tuple(authors)),))

    @describe.register
    def _(self, e: Submission.Revised) -> Entry:
        item = self.item(e)
        authors = [str(a.officer_id) for a in e.authors]
        who = "、".join(self.officer(a) for a in authors)
        entry = self.on_item(e, f"修改《{e.title}》（作者{who}，{label(CATEGORIES, e.category)}，"
                                f"事件日期{day(e.event_date)}）",
                             names=(ItemRecord(str(e.originator_id), item["ref"], e.title,
                                               item["unit_id"] or "", tuple(authors)),))
        return replace(entry, authors=tuple(authors))

    @describe.register
    def _(self, e: Submission.Submitted) -> Entry:
        return self.on_item(e, f"报送{self.title(e)}（{day(e.submitted_on)}）")

    @describe.register
    def _(self, e: Submission.Approved) -> Entry:
        account = self.names.name_by_code("account", e.approver)
        who = f"{account['name']}（{e.approver}）" if account else e.approver
        return self.on_item(e, f"{who}审核签发{self.title(e)}，"
                               f"{e.approved_at.strftime('%Y-%m-%d %H:%M')}")

    @describe.register
    def _(self, e: Submission.Returned) -> Entry:
        return self.on_item(e, f"退回{self.title(e)}修改")

    @describe.register
    def _(self, e: Submission.Withdrawn) -> Entry:
        return self.on_item(e, f"撤回{self.title(e)}")

    @describe.register
    def _(self, e: Submission.SentToOutlet) -> Entry:
        return self.on_item(e, f"{self.title(e)}报送{self.outlet(e.outlet_id)}"
                               f"（{label(ROUTES, e.route)}，{day(e.sent_on)}）")

    @describe.register
    def _(self, e: Submission.Adopted) -> Entry:
        forwarded = "，经办公室转报" if e.route.value == "forwarded" else ""
        return self.on_item(e, f"{self.outlet(e.outlet_id)}{label(FORMS, e.form)}"
                               f"{self.title(e)}（{day(e.adopted_on)}{forwarded}）")

    @describe.register
    def _(self, e: Submission.Declined) -> Entry:
        return self.on_item(e, f"{self.outlet(e.outlet_id)}未采用{self.title(e)}"
                               f"（{day(e.declined_on)}）")

    @describe.register
    def _(self, e: Submission.AdoptionRetracted) -> Entry:
        return self.on_item(e, f"撤销{self.outlet(e.outlet_id)}对{self.title(e)}的采用")

    @describe.register
    def _(self, e: Submission.InstructionRecorded) -> Entry:
        return self.on_item(e, f"{e.leader}（{label(LEVELS, e.leader_level)}领导）批示"
                               f"{self.title(e)}（第{e.number}条，{day(e.instructed_on)}）")

    @describe.register
    def _(self, e: Submission.InstructionFeedbackRecorded) -> Entry:
        return self.on_item(e, f"反馈{self.title(e)}第{e.number}条批示落实情况"
                               f"（{day(e.fed_back_on)}）")

    @describe.register
    def _(self, e: Submission.AppealFiled) -> Entry:
        return self.on_item(e, f"{self.officer(e.officer_id)}对{self.title(e)}的计分提出申诉"
                               f"（第{e.number}号，{day(e.filed_on)}）",
                            officers=(str(e.officer_id),))

    @describe.register
    def _(self, e: Submission.AppealDecided) -> Entry:
        outcome = "支持" if e.upheld else "驳回"
        return self.on_item(e, f"{outcome}{self.title(e)}第{e.number}号申诉"
                               f"（{day(e.decided_on)}）")

    # Commissions -------------------------------------------------------------------

    @describe.register
    def _(self, e: Commission.Issued) -> Entry:
        commission_id = str(e.originator_id)
        units = [str(u) for u in e.unit_ids]
        return Entry(e.ref or e.topic,
                     f"约稿《{e.topic}》：{'、'.join(self.unit(u) for u in units)}，"
                     f"{day(e.issued_on)}发出，{day(e.deadline)}截止",
                     units=tuple(units),
                     names=(NameRecord(commission_id, "commission", e.ref, e.topic),))

    @describe.register
    def _(self, e: Commission.Fulfilled) -> Entry:
        item = self.names.item(str(e.submission_id))
        title = item["title"] if item else "未知稿件"
        return Entry(self._code(e.originator_id),
                     f"{self.unit(e.unit_id)}以《{title}》完成约稿"
                     f"《{self._name(e.originator_id, '')}》（{day(e.fulfilled_on)}）",
                     submissions=(str(e.submission_id),), units=(str(e.unit_id),))

    @describe.register
    def _(self, e: Commission.Lapsed) -> Entry:
        return Entry(self._code(e.originator_id),
                     f"{self.unit(e.unit_id)}约稿《{self._name(e.originator_id, '')}》"
                     f"逾期未报（{day(e.lapsed_on)}记录）",
                     units=(str(e.unit_id),))

    # Targets and findings ----------------------------------------------------------

    @describe.register
    def _(self, e: Target.Set) -> Entry:
        holder = self.holder(e.holder_kind, e.holder_id)
        name, reference = f"{holder}{e.year}年目标", f"{self._code(e.holder_id)} {e.year}"
        officers, units = self.holder_concerns(e.holder_kind, str(e.holder_id))
        return Entry(reference, f"设定{name}：{self.quota(e)}", officers=officers, units=units,
                     names=(NameRecord(str(e.originator_id), "target", reference, name),))

    @describe.register
    def _(self, e: Target.Adjusted) -> Entry:
        row = self.names.name(str(e.originator_id))
        name, reference = (row["name"], row["code"]) if row else ("目标", str(e.originator_id))
        return Entry(reference, f"调整{name}为：{self.quota(e)}", as_created=True)

    def quota(self, e: Any) -> str:
        parts = []
        if e.items is not None:
            parts.append(f"稿件{e.items}篇")
        if e.points is not None:
            parts.append(f"积分{amount(e.points)}分")
        return "，".join(parts)

    def holder_concerns(self, holder_kind: HolderKind,
                        holder_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The officers and units a target or finding concerns: an officer's also their unit."""
        if holder_kind is HolderKind.UNIT:
            return (), (holder_id,)
        officer = self.names.name(holder_id)
        return (holder_id,), (officer["unit_id"],) if officer and officer["unit_id"] else ()

    @describe.register
    def _(self, e: Finding.Recorded) -> Entry:
        finding_id, holder_id = str(e.originator_id), str(e.holder_id)
        name = f"{self.holder(e.holder_kind, holder_id)}{label(FINDINGS, e.kind)}"
        summary = f"通报{name}（{day(e.found_on)}）"
        officers, units = self.holder_concerns(e.holder_kind, holder_id)
        submissions: tuple[str, ...] = ()
        if e.submission_id is not None:
            item = self.names.item(str(e.submission_id))
            summary += f"，涉及《{item['title'] if item else '未知稿件'}》"
            submissions = (str(e.submission_id),)
            units += (item["unit_id"],) if item else ()
        return Entry(e.ref or label(FINDINGS, e.kind), summary, submissions=submissions,
                     officers=officers, units=tuple(dict.fromkeys(units)),
                     names=(NameRecord(finding_id, "finding", e.ref, name),))

    @describe.register
    def _(self, e: Finding.Withdrawn) -> Entry:
        row = self.names.name(str(e.originator_id))
        if row is None:
            return Entry(str(e.originator_id), "撤销通报", as_created=True)
        return Entry(row["code"] or row["name"], f"撤销通报：{row['name']}", as_created=True)

    # Bulletins, rewards and honours ------------------------------------------------

    @describe.register
    def _(self, e: Bulletin.Published) -> Entry:
        name = bulletin_title(Period.parse(e.period), e.kind)
        return Entry(e.period, f"发布《{name}》：截至日志第{e.position}条，"
                               f"按{e.as_of.isoformat(timespec='minutes')}时所知，"
                               f"摘要值{e.digest[:16]}",
                     names=(NameRecord(str(e.originator_id), "bulletin", e.period, name),))

    @describe.register
    def _(self, e: Bulletin.ErratumIssued) -> Entry:
        row = self.names.name(str(e.originator_id))
        period, name = (row["code"], row["name"]) if row else (str(e.originator_id), "通报")
        item_id = e.fact.get("item_id")
        item = self.names.item(item_id) if item_id else None
        concerning = f"，涉及《{item['title']}》" if item else ""
        return Entry(period, f"发出《{name}》的更正：{e.reason}{concerning}",
                     submissions=(item_id,) if item else (),
                     units=(item["unit_id"],) if item else ())

    @describe.register
    def _(self, e: Reward.Granted) -> Entry:
        item = self.names.item(str(e.item_id)) if e.item_id else None
        what = f"《{item['title']}》" if item else e.ref
        holder = self.officer(e.officer_id) if e.officer_id else self.unit(e.unit_id)
        name = f"{holder}{what}的奖励{amount(e.amount)}元"
        return Entry(e.ref, f"发放{name}（{e.clause}，{e.period}期间，{day(e.valid_on)}）",
                     submissions=(str(e.item_id),) if e.item_id else (),
                     officers=(str(e.officer_id),) if e.officer_id else (),
                     units=(str(e.unit_id),) if e.unit_id else (),
                     names=(NameRecord(str(e.originator_id), "reward", e.ref, name),))

    @describe.register
    def _(self, e: Reward.Revoked) -> Entry:
        row = self.names.name(str(e.originator_id))
        return Entry(row["code"] if row else str(e.originator_id),
                     f"收回{row['name'] if row else '奖励'}", as_created=True)

    @describe.register
    def _(self, e: Honour.Awarded) -> Entry:
        reference = f"{e.year} {e.category} {e.holder}"
        who = f"《{e.name}》" if e.category == "items" else e.name
        honour = f"{e.year}年{label(HONOURS, e.category)}"
        name = f"{who}的{honour}称号"
        summary = f"{who}评为{honour}（第{e.rank}名，{amount(e.points)}分；{e.rule}）"
        names = (NameRecord(str(e.originator_id), "honour", reference, name),)
        if e.category == "items":
            item = self.names.item(e.holder)
            return Entry(reference, summary, submissions=(e.holder,) if item else (),
                         units=(item["unit_id"],) if item else (), names=names)
        row = self.names.name_by_code(e.category[:-1], e.holder)
        if row is None:
            return Entry(reference, summary, names=names)
        if e.category == "officers":
            return Entry(reference, summary, officers=(row["id"],),
                         units=(row["unit_id"],) if row["unit_id"] else (), names=names)
        return Entry(reference, summary, units=(row["id"],), names=names)

    @describe.register
    def _(self, e: Honour.Revoked) -> Entry:
        row = self.names.name(str(e.originator_id))
        return Entry(row["code"] if row else str(e.originator_id),
                     f"撤销{row['name'] if row else '评先'}", as_created=True)

    @describe.register
    def _(self, e: Honour.Filled) -> Entry:
        row = self.names.name(str(e.originator_id))
        return Entry(row["code"] if row else str(e.originator_id),
                     f"{e.by_name}递补{row['name'] if row else '评先'}：{e.reason}",
                     as_created=True)

    # Scoring methods and idempotency -----------------------------------------------

    @describe.register
    def _(self, e: MethodBook.Opened) -> Entry:
        return Entry(e.office, f"建立计分办法册（{e.office}）")

    @describe.register
    def _(self, e: MethodBook.VersionPublished) -> Entry:
        return Entry(e.code, f"发布计分办法《{e.name}》（{e.code}），{day(e.effective_from)}起施行",
                     names=(NameRecord(f"method:{e.code}", "method", e.code, e.name),))

    @describe.register
    def _(self, e: MethodBook.VersionRescheduled) -> Entry:
        return Entry(e.code, f"计分办法《{self._name(f'method:{e.code}', e.code)}》改为"
                             f"{day(e.effective_from)}起施行")

    @describe.register
    def _(self, e: MethodBook.VersionWithdrawn) -> Entry:
        return Entry(e.code, f"撤回计分办法《{self._name(f'method:{e.code}', e.code)}》")

    @describe.register
    def _(self, e: CommandRecord.Recorded) -> Entry:
        return Entry(e.key, f"幂等记录：{e.command}命令，幂等键{e.key}，结果{e.result}")
