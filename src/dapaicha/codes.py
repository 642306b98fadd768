"""The finding codes (a StrEnum of stable slugs) and the two severities."""

from __future__ import annotations

import enum


class Severity(enum.StrEnum):
    ERROR = "error"  # the return is rejected
    WARNING = "warning"  # accepted but flagged


SEVERITY_ZH = {Severity.ERROR: "错误", Severity.WARNING: "提醒"}


class FindingCode(enum.StrEnum):
    """Every kind of finding, by its slug (as JSON and the reports show it)."""

    FILE_UNREADABLE = "file-unreadable"
    FILE_ENCRYPTED = "file-encrypted"
    FILE_UNSUPPORTED = "file-unsupported"
    FILE_TOO_LARGE = "file-too-large"
    FILE_NAME_INVALID = "file-name-invalid"
    MERGED_AMONG_RETURNS = "merged-among-returns"
    MERGED_EDITED = "merged-edited"
    MERGED_UNSIGNED = "merged-unsigned"
    NOT_A_LEDGER = "not-a-ledger"
    LEDGER_SHEET_HIDDEN = "ledger-sheet-hidden"
    OTHER_LEDGER_SHEET = "other-ledger-sheet"
    ROW_BELOW_TABLE = "row-below-table"
    CONTENT_TRUNCATED = "content-truncated"
    ROWS_TRUNCATED = "rows-truncated"
    CELL_TOO_LONG = "cell-too-long"
    FORMULA_UNREAD = "formula-unread"
    VILLAGE_UNIDENTIFIED = "village-unidentified"
    VILLAGE_NOT_IN_ROSTER = "village-not-in-roster"
    IDENTITY_MISMATCH = "identity-mismatch"
    IDENTITY_CONFLICT = "identity-conflict"
    DUPLICATE_RETURN = "duplicate-return"
    CHECKLIST_MISMATCH = "checklist-mismatch"
    CHECKLIST_EARLIER_VERSION = "checklist-earlier-version"
    ITEM_NOT_SEEN = "item-not-seen"
    ITEM_REMOVED = "item-removed"
    ITEM_TEXT_ALTERED = "item-text-altered"
    ITEM_MISSING = "item-missing"
    ITEM_UNKNOWN = "item-unknown"
    ITEM_NO_BLANK = "item-no-blank"
    COLUMN_MISSING = "column-missing"
    COLUMN_RENAMED = "column-renamed"
    HAS_PROBLEM_BLANK = "has-problem-blank"
    HAS_PROBLEM_INVALID = "has-problem-invalid"
    DESCRIPTION_MISSING = "description-missing"
    MEASURE_MISSING = "measure-missing"
    DEADLINE_MISSING = "deadline-missing"
    OWNER_MISSING = "owner-missing"
    KIND_MISSING = "kind-missing"
    KIND_INVALID = "kind-invalid"
    DEADLINE_AFTER_CAMPAIGN = "deadline-after-campaign"
    DEADLINE_BEFORE_START = "deadline-before-start"
    DEADLINE_INVALID = "deadline-invalid"
    DEADLINE_AMBIGUOUS = "deadline-ambiguous"
    DEADLINE_READ_AS_PLAN = "deadline-read-as-plan"
    RESULT_MISSING = "result-missing"
    RESULT_INVALID = "result-invalid"
    DONE_DATE_MISSING = "done-date-missing"
    DONE_DATE_INVALID = "done-date-invalid"
    DONE_DATE_AMBIGUOUS = "done-date-ambiguous"
    DONE_DATE_AFTER_REPORT = "done-date-after-report"
    DONE_DATE_NOT_DONE = "done-date-not-done"
    NO_PROBLEM_FILLED = "no-problem-filled"
    REPORT_DATE_MISSING = "report-date-missing"
    REPORT_DATE_INVALID = "report-date-invalid"
    REPORT_DATE_OUT_OF_CAMPAIGN = "report-date-out-of-campaign"
    SIGNER_MISSING = "signer-missing"
    LATE_RETURN = "late-return"
    RECEIVED_LATE = "received-late"
    REPORT_DATE_DOUBTFUL = "report-date-doubtful"
    REPORT_DATE_OTHER_PERIOD = "report-date-other-period"
    SAME_FILE_OTHER_PERIOD = "same-file-other-period"
    PROBLEM_VANISHED = "problem-vanished"
    RESULT_REGRESSED = "result-regressed"
    DEADLINE_POSTPONED = "deadline-postponed"
    SUPERSEDED = "superseded"
    REJECTED_KEPT_PREVIOUS = "rejected-kept-previous"
