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
                 "instruction_feedback": N_("Instruction awaiting feedback"),
                 "appeal_waiting": N_("Appeal awaiting a decision")},
    "aggregate": {"unit": N_("Unit"), "officer": N_("Officer"), "account": N_("Account"),
                  "outlet": N_("Outlet"), "submission": N_("Item"),
                  "commission": N_("Commission"), "target": N_("Target"),
                  "finding": N_("Finding"), "method_book": N_("Scoring method"),
                  "command_record": N_("Idempotency record"), "bulletin": N_("Bulletin"),
                  "reward": N_("Reward"), "honour": N_("Honour")},
    # what a refusal names in its words: the domain's kinds of record ("no commission C9")
    "record": {"unit": N_("Unit"), "officer": N_("Officer"), "account": N_("Account"),
               "outlet": N_("Outlet"), "submission": N_("Item"), "item": N_("Item"),
               "commission": N_("Commission"), "target": N_("Target"),
               "finding": N_("Finding"), "methodbook": N_("Scoring method"),
               "method": N_("Scoring method"), "bulletin": N_("Bulletin"),
               "reward": N_("Reward"), "honour": N_("Honour")},
    # what an item's guard says was refused ("cannot approve an item that is withdrawn")
    "item_action": {"revise": N_("revise"), "submit": N_("submit"), "approve": N_("approve"),
                    "return": N_("return"), "withdraw": N_("withdraw"), "send": N_("send"),
                    "decline": N_("decline"),
                    "record an instruction on": N_("record an instruction on")},
    # the commands and reads the roles are allowed (api.policy.ACTIONS)
    "action": {
        "draft_submission": N_("Draft an item"), "revise_submission": N_("Revise an item"),
        "submit": N_("Submit an item"), "withdraw": N_("Withdraw an item"),
        "file_appeal": N_("File an appeal"), "approve": N_("Approve an item"),
        "return_submission": N_("Return an item"),
        "send_to_outlet": N_("Send an item to an outlet"),
        "record_adoption": N_("Record an adoption"), "record_decline": N_("Record a decline"),
        "retract_adoption": N_("Retract an adoption"),
        "record_instruction": N_("Record a leader's instruction"),
        "record_feedback": N_("Record feedback on an instruction"),
        "issue_commission": N_("Issue a commission"),
        "record_lapse": N_("Record a lapsed commission"),
        "decide_appeal": N_("Decide an appeal"), "close_period": N_("Publish a bulletin"),
        "reissue_bulletin": N_("Issue an erratum"), "fill_honours": N_("Fill an honour's place"),
        "register_unit": N_("Register a unit"), "rename_unit": N_("Rename a unit"),
        "reclassify_unit": N_("Change a unit's class"), "close_unit": N_("Close a unit"),
        "enrol_officer": N_("Enrol an officer"), "transfer_officer": N_("Transfer an officer"),
        "record_leaving": N_("Record an officer's leaving"),
        "register_outlet": N_("Register an outlet"), "rename_outlet": N_("Rename an outlet"),
        "open_account": N_("Open an account"),
        "grant_role": N_("Grant a role"), "revoke_role": N_("Revoke a role"),
        "close_account": N_("Close an account"), "set_password": N_("Set a password"),
        "publish_method": N_("Publish a scoring method"),
        "reschedule_method": N_("Reschedule a scoring method"),
        "withdraw_method": N_("Withdraw a scoring method"),
        "set_target": N_("Set a target"), "adjust_target": N_("Adjust a target"),
        "record_finding": N_("Record a finding"), "withdraw_finding": N_("Withdraw a finding"),
        "import_ledgers": N_("Import ledgers"), "export_ledgers": N_("Export the ledgers"),
        "read_directory": N_("See the directory"),
        "read_items": N_("See items"), "read_bulletins": N_("See bulletins"),
        "explain": N_("See how points were scored"), "read_reports": N_("See reports"),
        "read_dashboard": N_("See the dashboard"), "read_reminders": N_("See reminders"),
        "read_audit": N_("See the audit trail"), "read_accounts": N_("See accounts"),
        "verify_log": N_("Verify the log"),
        "export": N_("Export")},
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
    "chain_break": {"edited": N_("an event was changed"), "removed": N_("an event was removed"),
                    "inserted": N_("an event was inserted"),
                    "checkpoint": N_("a checkpoint does not match the chain")},
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
