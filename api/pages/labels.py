"""The names the pages show for stored codes, as English source strings of the catalogue.

``label(table, code)`` translates at render time; an unknown code shows as itself."""

from __future__ import annotations

from api.i18n import N_, gettext

TABLES: dict[str, dict[str, str]] = {
    "channel": {"info": N_("Government information"), "publicity": N_("Publicity")},
    "level": {"national": N_("National"), "provincial": N_("Provincial"), "city": N_("City"),
              "county": N_("County")},
    "form": {"full": N_("Adopted in full"), "merged": N_("Adopted in a digest"),
             "excerpt": N_("Adopted in excerpt")},
    "route": {"direct": N_("Sent directly"), "forwarded": N_("Forwarded by the office")},
    "category": {"new_measure": N_("New measure"),
                 "important_situation": N_("Important situation or pressing problem"),
                 "typical_experience": N_("Typical experience"), "other": N_("Other")},
    "status": {"draft": N_("Draft"), "submitted": N_("Awaiting approval"),
               "approved": N_("Approved"), "returned": N_("Returned"),
               "withdrawn": N_("Withdrawn")},
    "outlet_state": {"sent": N_("Sent"), "adopted": N_("Adopted"), "declined": N_("Declined"),
                     "retracted": N_("Adoption retracted")},
    "role": {"officer": N_("Officer"), "approver": N_("Unit approver"), "editor": N_("Editor"),
             "administrator": N_("Administrator"), "auditor": N_("Auditor"),
             "leader": N_("Leader")},
    "line_kind": {"adoption": N_("Adoption"), "submission": N_("Submission"),
                  "submitted": N_("Submitted"), "instruction": N_("Leader's instruction"),
                  "bonus": N_("Bonus"), "deduction": N_("Deduction"), "reward": N_("Reward"),
                  "quota": N_("Quota"), "adjustment": N_("Period adjustment")},
    "reminder": {"quota": N_("Behind the quota"),
                 "commission_due": N_("Commission near its deadline"),
                 "commission_overdue": N_("Commission overdue"),
                 "instruction_feedback": N_("Instruction awaiting feedback")},
    "aggregate": {"unit": N_("Unit"), "officer": N_("Officer"), "account": N_("Account"),
                  "outlet": N_("Outlet"), "submission": N_("Item"),
                  "commission": N_("Commission"), "target": N_("Target"),
                  "finding": N_("Finding"), "method_book": N_("Scoring method"),
                  "command_record": N_("Idempotency record"), "bulletin": N_("Bulletin"),
                  "reward": N_("Reward"), "honour": N_("Honour")},
    "holder": {"officer": N_("Officers"), "unit": N_("Units")},
    "honour": {"units": N_("Advanced units"), "officers": N_("Advanced officers"),
               "items": N_("Excellent items")},
    "order": {"points": N_("Points"), "adoptions": N_("Adoptions"),
              "rate": N_("Adoption rate")},
    # The bulletin's grades and kinds are stored in Chinese, the words of the published text.
    "grade": {"优秀": N_("Excellent"), "良好": N_("Good"), "合格": N_("Pass"),
              "不合格": N_("Fail"), "未定目标": N_("No target")},
    "finding_kind": {"missed": N_("Missed report"), "concealed": N_("Concealed report"),
                     "false": N_("False report"), "error": N_("Error found by a higher body")},
    "method_state": {"in_force": N_("In force"), "scheduled": N_("Scheduled"),
                     "superseded": N_("Superseded by a later version")},
    "method_levels": {"cumulative": N_("Every level that adopts scores"),
                      "highest": N_("Only the highest-scoring adoption scores")},
    "period_score": {"sum": N_("Sum of the points"), "average": N_("Average per scored item")},
    "split": {"even": N_("Split evenly among the authors"),
              "shares": N_("Split by declared shares (evenly where none)")},
    "combine": {"product": N_("Multipliers multiply"),
                "highest": N_("Only the largest multiplier applies")},
    "bulletin_kind": {"month": N_("Monthly bulletin"), "quarter": N_("Quarterly evaluation"),
                      "half": N_("Half-year bulletin"), "year": N_("Year-end bulletin")},
}


def label(table: str, code: object) -> str:
    """The shown name of ``code`` (an enumeration or its value) in the current language."""
    value = getattr(code, "value", code)
    if value is None:
        return ""
    source = TABLES[table].get(str(value))
    return gettext(source) if source else str(value)


def choices(table: str) -> list[tuple[str, str]]:
    """(code, shown name) of every code of a table, for a form's select."""
    return [(code, gettext(source)) for code, source in TABLES[table].items()]
