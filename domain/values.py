"""Value objects and enumerations shared by the aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from uuid import UUID


class Channel(Enum):
    INFO = "info"  # government-affairs information (政务信息), sent to higher offices
    PUBLICITY = "publicity"  # publicity articles (宣传稿件), sent to the media


class Level(Enum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    CITY = "city"
    COUNTY = "county"


class Form(Enum):
    FULL = "full"  # 全文采用
    MERGED = "merged"  # 综合采用
    EXCERPT = "excerpt"  # 摘要采用


class Route(Enum):
    DIRECT = "direct"
    FORWARDED = "forwarded"  # forwarded through the office


class Category(Enum):
    NEW_MEASURE = "new_measure"  # 新举措
    IMPORTANT_SITUATION = "important_situation"  # 重要情况和突出问题
    TYPICAL_EXPERIENCE = "typical_experience"  # 典型经验
    OTHER = "other"


class Role(Enum):
    OFFICER = "officer"
    APPROVER = "approver"
    EDITOR = "editor"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"
    LEADER = "leader"


class FindingKind(Enum):
    """Problems the office finds and deducts for (通报扣分)."""

    MISSED = "missed"  # 漏报
    CONCEALED = "concealed"  # 瞒报
    FALSE = "false"  # 谎报
    ERROR = "error"  # 差错 found by a higher body


class HolderKind(Enum):
    OFFICER = "officer"
    UNIT = "unit"


@dataclass(frozen=True)
class Author:
    """An author of an item and their declared share (None: split evenly)."""

    officer_id: UUID
    share: Decimal | None = None


@dataclass(frozen=True)
class Cause:
    """Who caused an event, within which request, and (for imported history) when it was known."""

    actor: str
    correlation_id: str
    known_at: datetime | None = None
