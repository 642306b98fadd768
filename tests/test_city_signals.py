"""The city's 疑似走过场 from the counties' merged ledgers equals the direct roll-up's: a
village with no problem row in a merged ledger answered every item 否 (all-no)."""

from __future__ import annotations

from test_audit_figures import _rows, camp  # noqa: F401  (camp: the audit fixture)

SHEET = "疑似走过场"


def _signals(path) -> list[tuple[str, str]]:
    rows = _rows(path, SHEET)
    head = next(i for i, r in enumerate(rows) if "疑似情形" in r)
    village, kind = rows[head].index("行政村"), rows[head].index("疑似情形")
    return sorted((r[village], r[kind]) for r in rows[head + 1 :] if len(r) > kind and r[kind])


def test_the_city_sees_the_all_否_villages_as_the_counties_do(camp) -> None:  # noqa: F811
    root = camp["root"]
    for n, all_no in ((1, ["大马村"]), (2, ["大马村", "李村"])):
        name = f"市级汇总表_第{n}期.xlsx"
        direct, city = _signals(root / f"汇总{n}" / name), _signals(root / f"市/汇总{n}" / name)
        assert city == direct
        assert sorted(v for v, kind in direct if kind == "全部填“否”") == all_no
