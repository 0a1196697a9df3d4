"""Simplified-Chinese labels of the stored codes, for the audit summaries, boards and reports."""

from __future__ import annotations

CHANNELS = {"info": "政务信息", "publicity": "宣传稿件"}
LEVELS = {"national": "国家级", "provincial": "省级", "city": "市级", "county": "县级"}
FORMS = {"full": "全文采用", "merged": "综合采用", "excerpt": "摘要采用"}
ROUTES = {"direct": "直报", "forwarded": "经办公室转报"}
CATEGORIES = {"new_measure": "新举措", "important_situation": "重要情况和突出问题",
              "typical_experience": "典型经验", "other": "其他"}
ROLES = {"officer": "信息员", "approver": "单位审核人", "editor": "编辑", "administrator": "管理员",
         "auditor": "审计", "leader": "领导"}
FINDINGS = {"missed": "漏报", "concealed": "瞒报", "false": "谎报", "error": "差错"}
STATUSES = {"draft": "草稿", "submitted": "待审核", "approved": "已签发", "returned": "已退回",
            "withdrawn": "已撤回"}
OUTLET_STATES = {"sent": "已报送", "adopted": "已采用", "declined": "未采用",
                 "retracted": "采用已撤销"}
COMMISSION_STATES = {"fulfilled": "已完成", "lapsed": "逾期未报", "open": "进行中",
                     "overdue": "已超期", "unit_closed": "单位已撤并"}
AGGREGATE_KINDS = {"unit": "单位", "officer": "信息员", "account": "账号", "outlet": "采用单位",
                   "submission": "稿件", "commission": "约稿", "target": "目标",
                   "finding": "通报问题", "method_book": "计分办法", "command_record": "幂等记录",
                   "bulletin": "通报", "reward": "奖励", "honour": "评先"}
HONOURS = {"units": "先进集体", "officers": "先进个人", "items": "优秀信息"}


def label(labels: dict[str, str], code: object) -> str:
    """The label of a code (an enumeration or its stored value); the code itself if unknown."""
    value = getattr(code, "value", code)
    return labels.get(str(value), str(value))
