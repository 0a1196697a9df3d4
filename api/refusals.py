"""Refusals in the page's language. The domain, the store and the workflows word their
refusals in English and know nothing of translation; each wording is a template here, with
``%(vN)s`` for the values the message carries, and the catalogue translates it. A message
no template matches is shown as it is. ``tests/test_refusals.py`` reads every refusal
worded in the source and fails on one that has no template here."""

from __future__ import annotations

import re
from functools import cache

from api.i18n import N_, gettext

#: Every refusal's wording (English source strings of the catalogue).
TEMPLATES: tuple[str, ...] = (
    N_('%(v0)s %(v1)s (it takes: %(v2)s)'),
    N_('%(v0)s %(v1)s is already in the store'),
    N_('%(v0)s %(v1)s is also on line %(v2)s'),
    N_('%(v0)s already exists'),
    N_('%(v0)s already has role %(v1)s'),
    N_('%(v0)s approves for another unit'),
    N_('%(v0)s changed after version %(v1)s was read'),
    N_('%(v0)s ends on %(v1)s: its bulletin is published after that'),
    N_('%(v0)s has no role %(v1)s'),
    N_('%(v0)s is a superuser, which no trigger or grant can restrain: name an ordinary role'),
    N_('%(v0)s is in the future'),
    N_('%(v0)s is in the future (today is %(v1)s)'),
    N_('%(v0)s is not an approver'),
    N_('%(v0)s is not an author of this item'),
    N_('%(v0)s is not closed: it has no honours yet'),
    N_('%(v0)s is set as text and added to as a number'),
    N_('%(v0)s may not %(v1)s (needs one of: %(v2)s)'),
    N_('%(v0)s may not see this item'),
    N_('%(v0)s may see only their own points'),
    N_('%(v0)s must be one of the authors'),
    N_('%(v0)s precedes submission on %(v1)s'),
    N_("%(v0)s sees only their own unit's items"),
    N_('%(v0)s still belong to the unit on %(v1)s: name a successor to move them to, or '
       'transfer them first'),
    N_('%(v0)s would be known only in %(v1)s'),
    N_('%(v0)s: does not follow position %(v1)s (it names %(v2)s as its predecessor)'),
    N_('%(v0)s: must be a .csv, .xlsx or .toml file'),
    N_('%(v0)s: other writers changed the same records %(v1)s times; nothing was recorded, try '
       'again'),
    N_('%(v0)s: the PostgreSQL URL names no database'),
    N_('%(v0)s: the SQLite URL names no file'),
    N_('%(v0)s: the chain differs from the checkpoint there'),
    N_('%(v0)s: the event does not hash to its chain hash: the file was edited'),
    N_('%(v0)s: unknown scheme %(v1)s; use sqlite:/// or postgresql://'),
    N_('%(v0)s: write sqlite:///relative.db or sqlite:////abs.db'),
    N_('SQLite has no roles: protect the database file with file permissions'),
    N_("Tally's recorder does not use POSTGRES_ENABLE_DB_FUNCTIONS"),
    N_('a %(v0)s outlet cannot take a %(v1)s item'),
    N_('a commission lapses only after its deadline %(v0)s'),
    N_('a dismissed appeal corrects nothing'),
    N_('a fold goes on from an earlier moment for chosen topics only'),
    N_('a method with code %(v0)s was published; give the new version its own code'),
    N_('a monthly split has twelve parts'),
    N_('a new name must take effect after %(v0)s'),
    N_('a previous chain hash is 32 bytes'),
    N_('a role name has 1 to 63 characters'),
    N_('a target needs items, points or both'),
    N_('a transfer must take effect after %(v0)s'),
    N_('a unit can close only after %(v0)s'),
    N_('a unit cannot be its own successor'),
    N_('account %(v0)s is closed'),
    N_('adoption on %(v0)s precedes submission on %(v1)s'),
    N_('an adopted item cannot be withdrawn'),
    N_('an appeal cannot be decided before it was filed'),
    N_('an item that is %(v0)s cannot be adopted'),
    N_('an upheld appeal must name its correcting fact'),
    N_('another method %(v0)s is already published'),
    N_('another writer changed the same records during the import; nothing was written, run it '
       'again'),
    N_('appended %(v0)s events, got %(v1)s ids'),
    N_('approval cannot precede submission on %(v0)s'),
    N_('author %(v0)s left on %(v1)s'),
    N_('author %(v0)s was not enrolled on %(v1)s'),
    N_('cannot %(v0)s an item that is %(v1)s'),
    N_('choose a method file or paste its text'),
    N_('choose the ledger files to import'),
    N_('confirm that the bulletin is to be published as it stands'),
    N_('credential times must carry a time zone'),
    N_('each author must be an officer code'),
    N_('event %(v0)s: %(v1)s'),
    N_('every share must be above zero'),
    N_('facts recorded after position %(v0)s were not read'),
    N_('feedback cannot precede the instruction'),
    N_('feedback on this instruction was already recorded'),
    N_('give a folder of CSV files or an .xlsx'),
    N_('give a multiplier or a bonus'),
    N_('give a share for every author or for none'),
    N_('give approved_by and approved_on together'),
    N_('give at most one of item, officer or unit'),
    N_('give exactly one of officer or unit'),
    N_('give one .xlsx workbook, or the .csv files, not both'),
    N_('give one method file beside a workbook'),
    N_('give the id or a ref, not both'),
    N_('gives no points for any adoption'),
    N_('holds no ledger file and no method'),
    N_('honours are awarded for a year, such as 2025'),
    N_('is required'),
    N_('leaving must come after %(v0)s'),
    N_('line %(v0)s: a checkpoint names position %(v1)s, which the file does not hold'),
    N_('line %(v0)s: not a JSON object'),
    N_('line %(v0)s: not an event line (%(v1)s)'),
    N_('line %(v0)s: the file ends without its last line: it was truncated'),
    N_('line %(v0)s: the last line announces %(v1)s events up to position %(v2)s, but the file '
       'holds %(v3)s up to position %(v4)s'),
    N_('line 1: chain %(v0)s is not %(v1)s'),
    N_('line 1: not a %(v0)s file of version %(v1)s'),
    N_('lists the same author twice'),
    N_('method %(v0)s already takes effect on %(v1)s'),
    N_('method %(v0)s is also published on line %(v1)s'),
    N_('method %(v0)s was withdrawn'),
    N_('monthly parts cannot be negative'),
    N_('monthly parts sum to %(v0)s, not %(v1)s'),
    N_('must be %(v0)s'),
    N_('must be 1 to 366 days'),
    N_('must be a SHA-256 digest in lower-case hex'),
    N_('must be a date and time'),
    N_('must be a date and time written YYYY-MM-DDTHH:MM[:SS][+08:00]'),
    N_('must be a date such as 2025-01-01'),
    N_('must be a date written YYYY-MM-DD'),
    N_('must be a date, not a date and time'),
    N_('must be a list'),
    N_('must be a log position (a whole number, 0 or more)'),
    N_('must be a number'),
    N_('must be a number >= 0'),
    N_('must be a rank of 1 or more'),
    N_('must be a table'),
    N_('must be a text file in UTF-8'),
    N_('must be a whole number'),
    N_('must be a whole number >= %(v0)s'),
    N_('must be a year such as 2025'),
    N_('must be an amount of yuan'),
    N_('must be an id'),
    N_('must be at most %(v0)s MB in all'),
    N_('must be at most %(v0)s characters'),
    N_('must be html or toml'),
    N_('must be more than zero'),
    N_('must be non-empty text'),
    N_('must be one of: %(v0)s'),
    N_('must be plain data'),
    N_('must be text'),
    N_('must be the text of a method file'),
    N_('must be true or false'),
    N_('must be upheld or dismissed'),
    N_('must be written 2025, 2025-H1, 2025-Q3 or 2025-07'),
    N_('must have %(v0)s to %(v1)s characters'),
    N_('must hold [honours.units], [honours.officers] or [honours.items]'),
    N_('must list at least one author'),
    N_('must list at least one role'),
    N_('must list at least one unit'),
    N_('must list at least one, separated by ;'),
    N_('must list the authors, e.g. [{officer, share}, ...]'),
    N_('must not be before %(v0)s'),
    N_('must not be blank'),
    N_('must not be empty'),
    N_('must not be empty when the change is %(v0)s'),
    N_('must not be in the future'),
    N_('must not contain control characters or broken Unicode (found U+%(v0)s)'),
    N_('must not contain spaces'),
    N_('must not contain spaces or slashes'),
    N_('name the kind of holder (officer or unit) with the code'),
    N_('no %(v0)s %(v1)s'),
    N_('no %(v0)s %(v1)s in %(v2)s'),
    N_('no %(v0)s %(v1)s in %(v2)s or in the store'),
    N_('no %(v0)s target of %(v1)s in targets.csv or in the store'),
    N_('no appeal number %(v0)s on this item'),
    N_('no import run %(v0)s'),
    N_('no instruction number %(v0)s on this item'),
    N_('no item %(v0)s'),
    N_('no method %(v0)s in the method files or in the store'),
    N_('no officer %(v0)s'),
    N_('no open account %(v0)s'),
    N_('no published bulletin of %(v0)s'),
    N_('no published method %(v0)s'),
    N_('no scoring method %(v0)s in force or scheduled'),
    N_('no scoring method %(v0)s in force or scheduled as known on %(v1)s'),
    N_('no unit %(v0)s'),
    N_('not a column of this file'),
    N_('not a ledger file; the files are: %(v0)s'),
    N_('not valid TOML: %(v0)s'),
    N_('officer %(v0)s has a posting or leaving recorded on or after %(v1)s: close the unit '
       'after it'),
    N_('officer %(v0)s left on %(v1)s'),
    N_("only a revoked honour's place can be filled"),
    N_('only an author of the item can appeal its score'),
    N_('points have at most two decimal places'),
    N_('send Authorization: Bearer <token> (POST /api/v1/tokens)'),
    N_('shares sum to %(v0)s, not 1'),
    N_('the %(v0)s target of %(v1)s is already in the store'),
    N_('the %(v0)s target of %(v1)s is also on line %(v2)s'),
    N_('the bearer token is unknown, expired or revoked'),
    N_('the column is given twice'),
    N_('the column is missing'),
    N_('the database has no Tally tables yet: run `tally db init` first'),
    N_('the database is not answering; try again shortly. A command sent with an '
       'Idempotency-Key can be repeated safely: it is recorded at most once'),
    N_('the deadline precedes the issue date'),
    N_('the deferred facts were scored by another process meanwhile'),
    N_('the demo year ends with a notice received on %(v0)s; today is %(v1)s'),
    N_('the files of run %(v0)s are not kept: choose them again'),
    N_("the form's CSRF token is missing or stale; reload the page"),
    N_('the item was already sent to this outlet'),
    N_('the known time of event %(v0)s is not readable'),
    N_('the month must be 01 to 12'),
    N_('the officer already belongs to this unit'),
    N_('the outlet is named %(v0)s already'),
    N_('the table [%(v0)s] is missing'),
    N_('the unit is of class %(v0)s already'),
    N_('the version already takes effect on that day'),
    N_('the year must be %(v0)s to %(v1)s'),
    N_('this appeal was already decided'),
    N_('this erratum was issued before'),
    N_('this finding was already withdrawn'),
    N_('this honour was revoked before'),
    N_("this honour's place was filled before"),
    N_('this key was used for another %(v0)s request'),
    N_('this outlet has adopted the item; retract it first'),
    N_('this outlet has already adopted the item'),
    N_('this outlet has no adoption of the item to retract'),
    N_('this reward was revoked before'),
    N_('this unit was not commissioned'),
    N_("this unit's part of the commission is closed"),
    N_('too many failed logins for this account; try again in 15 minutes'),
    N_('unit %(v0)s closed on %(v1)s'),
    N_('unknown %(v0)s %(v1)s; use one of: %(v2)s'),
    N_('unknown key %(v0)s'),
    N_('wrong username or password'),
)

#: The templates whose values are codes: the label table (``api.pages.labels``) of each such
#: value, so that a translated refusal names them in the page's words too ("状态为 已撤回 的
#: 稿件不能执行 签发", not "draft" and "approve"). A value that lists codes is labelled code by
#: code; "any" is the one table that holds every code listed.
VALUE_TABLES: dict[str, dict[str, str]] = {
    'cannot %(v0)s an item that is %(v1)s': {"v0": "item_action", "v1": "status"},
    'an item that is %(v0)s cannot be adopted': {"v0": "status"},
    'a %(v0)s outlet cannot take a %(v1)s item': {"v0": "channel", "v1": "channel"},
    '%(v0)s may not %(v1)s (needs one of: %(v2)s)': {"v1": "action", "v2": "role"},
    '%(v0)s already has role %(v1)s': {"v1": "role"},
    '%(v0)s has no role %(v1)s': {"v1": "role"},
    'no %(v0)s %(v1)s': {"v0": "record"},
    'no %(v0)s %(v1)s in %(v2)s': {"v0": "record"},
    'no %(v0)s %(v1)s in %(v2)s or in the store': {"v0": "record"},
    '%(v0)s %(v1)s is already in the store': {"v0": "record"},
    '%(v0)s %(v1)s is also on line %(v2)s': {"v0": "record"},
    'must be one of: %(v0)s': {"v0": "any"},
}

_PLACEHOLDER = re.compile(r"%\((v\d+)\)s")
_LIST = re.compile(r", |、")


@cache
def _matchers() -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    """The templates without values, by their text; the others as patterns, those with
    the most fixed text first (so "no unit %(v0)s" wins over "no %(v0)s %(v1)s")."""
    exact: dict[str, str] = {}
    patterns: list[tuple[int, re.Pattern[str], str]] = []
    for template in TEMPLATES:
        pieces = _PLACEHOLDER.split(template)
        if len(pieces) == 1:
            exact[template] = template
            continue
        regex = "".join(re.escape(piece) if number % 2 == 0 else f"(?P<{piece}>.+?)"
                        for number, piece in enumerate(pieces))
        fixed = sum(len(piece) for piece in pieces[::2])
        patterns.append((fixed, re.compile(regex, re.DOTALL), template))
    patterns.sort(key=lambda entry: -entry[0])
    return exact, [(pattern, template) for _, pattern, template in patterns]


def localized(message: str) -> str:
    """``message`` in the current language, where a template words it."""
    exact, patterns = _matchers()
    if message in exact:
        return gettext(message)
    for pattern, template in patterns:
        found = pattern.fullmatch(message)
        if found:
            translated, values = gettext(template), found.groupdict()
            if translated != template:  # English keeps the codes the message gives
                for name, table in VALUE_TABLES.get(template, {}).items():
                    values[name] = _labelled(table, values[name])
            return translated % values
    return message


def _labelled(table: str, value: str) -> str:
    """The code (or list of codes) ``value`` by its shown names; as it is where a code is not
    in the table."""
    from api.pages.labels import TABLES, label  # noqa: PLC0415 (the pages import this module)

    codes = _LIST.split(value)
    if table == "any":
        table = next((name for name, known in TABLES.items()
                      if all(code in known for code in codes)), "")
    if table not in TABLES or not all(code in TABLES[table] for code in codes):
        return value
    return "、".join(label(table, code) for code in codes)
