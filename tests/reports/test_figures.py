"""The money and value-for-money figures, against a cluster worked out by hand.

The cluster (conftest.hand_cluster), academic year 2026-27, "today" 1 February 2027:

| ref     | school | area  | pupils (rows)   | requested | decision             | awarded | impact: pupils, spend, outcomes |
|---------|--------|-------|-----------------|-----------|----------------------|---------|---------------------------------|
| AU1-001 | Aldby  | C&L   | 6 (2 EHCP, 4 SS)| 1200.00   | approved             | 1200.00 | 6, 1100.00: Reading 80/92/95 Exceeded (+15); Std 85/90/88 Partially met (+3) |
| AU1-002 | Aldby  | SEMH  | 3 (1 EHCP, 2 SS)| 900.00    | partially funded     | 600.00  | 3, 600.00: SDQ 24/18/17 Exceeded (+7), received late |
| AU1-003 | Brook  | SEMH  | 4 (4 SS)        | 800.00    | approved w/ cond.    | 800.00  | 4, 700.00: SDQ 20/15/21 Not met (-1); Incidents 6/2/2 Met (+4) |
| AU1-004 | Brook  | C&I   | 2 (2 SS)        | 500.00    | declined             | 0.00    | - |
| AU1-005 | Cley   | C&L   | 1 (1 EHCP)      | 400.00    | approved, impact due 10 Jan 2027 (overdue) | 400.00 | - |
| SP1-001 | Cley   | C&L   | 1 (1 SS)        | 300.00    | (awaiting check)     | -       | - |

Worked out by hand:
* budget 5000 + 3000 = 8000.00; awarded 1200 + 600 + 800 + 400 = 3000.00; spent 1100 + 600 + 700 = 2400.00;
  underspend (1200-1100) + (600-600) + (800-700) = 200.00; awaiting impact 400.00.
* pupils supported 6 + 3 + 4 + 1 = 14: Aldby 9, Brook 4 (suppressed), Cley 1 (suppressed);
  C&L 6 + 1 = 7, SEMH 3 + 4 = 7; EHCP 2 + 1 + 1 = 4 (suppressed), SEN support 4 + 2 + 4 = 10.
* cost per pupil 2400.00 / 13 = 184.615... -> 184.62.
* outcomes 5, met or exceeded 3 -> 60.0%.
* by measure (spend shared equally between an intervention's outcome rows):
  Reading age: 1 row, 6 pupils, gain 15, spend 550.00, £ per point 550/15 = 36.67;
  Standardised score: 6 pupils, gain 3, spend 550.00, £ per point 183.33;
  SDQ: 2 rows, 3 + 4 = 7 pupils, gains 7 and -1: mean 3.0, spend 600 + 350 = 950.00, £ per point 950/6 = 158.33;
  Incidents per week: 4 pupils: suppressed.
* entitlement: distributable 10000 - 1000 = 9000.00; weights 3x2+10 = 16, 3x1+5 = 8, 3 (sum 27):
  Aldby 5333.33, Brook 2666.67 (the spare penny: remainder .666 beats .333 and .000), Cley 1000.00.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from forms_processor.config import Config
from forms_processor.errors import UsageError
from forms_processor.reports.entitlement import compute_shares, entitlement_table, load_year, parse_year, school_money
from forms_processor.reports.governors import HIDDEN, SUPPRESSED, governors_figures, hidden_cells
from forms_processor.reports.governors_document import published
from forms_processor.results import json_data
from forms_processor.spec.measures import BY_NAME, target_met

from .conftest import CLUSTER_TOML, TODAY, Cluster, hand_cluster

D = Decimal


def _config(pot: str, slices: str, counts: list[tuple[int, int]], w_ehcp: str = "1", w_support: str = "1") -> Config:
    raw = tomllib.loads(CLUSTER_TOML)
    raw["entitlement"] = {"pot": pot, "w_ehcp": w_ehcp, "w_support": w_support,
                          "top_slices": [{"name": "slice", "amount": slices}]}
    raw["schools"] = [
        {"name": f"School {n}", "code": f"S{n}", "ehcp": e, "sen_support": s} for n, (e, s) in enumerate(counts, 1)
    ]
    return Config.model_validate(raw)


def test_entitlement_of_the_hand_cluster(cluster: Cluster) -> None:
    shares = compute_shares(cluster.config)
    assert shares.distributable == D("9000.00")
    assert [(s.school, s.weight, s.entitlement) for s in shares.shares] == [
        ("Aldby Primary", D("16"), D("5333.33")),
        ("Brook Primary", D("8"), D("2666.67")),
        ("Cley High School", D("3"), D("1000.00")),
    ]


def test_entitlement_where_naive_rounding_is_a_penny_short() -> None:
    # 100.00 in three equal shares: naive rounding gives 33.33 x 3 = 99.99.
    shares = compute_shares(_config("150.00", "50.00", [(1, 0), (1, 0), (1, 0)]))
    assert [s.entitlement for s in shares.shares] == [D("33.34"), D("33.33"), D("33.33")]
    assert sum(s.entitlement for s in shares.shares) == D("100.00")


def test_entitlement_where_naive_rounding_is_a_penny_over() -> None:
    # 200.00 in three equal shares: naive rounding gives 66.67 x 3 = 200.01.
    shares = compute_shares(_config("200.00", "0.00", [(0, 2), (0, 2), (0, 2)]))
    assert [s.entitlement for s in shares.shares] == [D("66.67"), D("66.67"), D("66.66")]
    assert sum(s.entitlement for s in shares.shares) == D("200.00")


def test_entitlement_table_requested_awarded_spent_left(cluster: Cluster) -> None:
    hand_cluster(cluster)
    table = entitlement_table(cluster.config, load_year(cluster.db, cluster.config, year="2627"))
    rows = {r.school: (r.entitlement, r.requested, r.awarded, r.spent, r.left) for r in table.rows}
    assert rows == {
        # requested: everything alive or decided (the declined 500.00 included, the awaiting 300.00 too)
        "Aldby Primary": (D("5333.33"), D("2100.00"), D("1800.00"), D("1700.00"), D("3533.33")),
        "Brook Primary": (D("2666.67"), D("1300.00"), D("800.00"), D("700.00"), D("1866.67")),
        "Cley High School": (D("1000.00"), D("700.00"), D("400.00"), D("0.00"), D("600.00")),
    }
    assert table.totals["entitlement"] == D("9000.00")
    data = json_data(table)
    assert data["census_date"] == "2026-10-01" and data["totals"]["awarded"] == "3000.00"


def test_school_money_is_the_entitlement_table_summed_by_the_store(cluster: Cluster) -> None:
    hand_cluster(cluster)
    for year in ("2627", "2526"):
        table = entitlement_table(cluster.config, load_year(cluster.db, cluster.config, year=year))
        assert json_data(school_money(cluster.db, cluster.config, year)) == json_data(table)
    assert school_money(cluster.db, cluster.config, "2627").totals["spent"] == D("2400.00")


def test_governors_figures_of_the_hand_cluster(cluster: Cluster) -> None:
    hand_cluster(cluster)
    f = governors_figures(cluster.config, load_year(cluster.db, cluster.config, year="2627"), TODAY)
    assert (f.budget, f.awarded, f.spent, f.underspend, f.awaiting_impact) == (
        D("8000.00"), D("3000.00"), D("2400.00"), D("200.00"), D("400.00"))
    assert f.unallocated == D("5000.00")
    assert f.decisions == {
        "approved": 2, "approved with conditions": 1, "partially funded": 1, "declined": 1,
        "awaiting the Host's check": 1,
    }
    assert f.pupils == 14
    assert f.pupils_by_school == {"Aldby Primary": 9, "Brook Primary": 4, "Cley High School": 1}
    assert f.pupils_by_area == {"Cognition and learning": 7, "Social emotional and mental health": 7}
    assert f.cost_per_pupil == D("184.62")
    assert (f.outcomes, f.outcomes_met, f.share_met) == (5, 3, D("60.0"))
    m = {x.measure: (x.outcomes, x.pupils, x.mean_gain, x.spend, x.per_point) for x in f.measures}
    assert m["Reading age (months)"] == (1, 6, D("15.0"), D("550.00"), D("36.67"))
    assert m["Standardised score"] == (1, 6, D("3.0"), D("550.00"), D("183.33"))
    assert m["SDQ total difficulties"] == (2, 7, D("3.0"), D("950.00"), D("158.33"))
    assert f.overdue_now == 1 and f.received_late == 1


def test_small_cells_are_suppressed(cluster: Cluster) -> None:
    hand_cluster(cluster)
    f = governors_figures(cluster.config, load_year(cluster.db, cluster.config, year="2627"), TODAY)
    j = json_data(published(f))
    # Two small cells (4 and 1): neither can be worked out from the total of 14.
    assert j["pupils_by_school"] == {"Aldby Primary": 9, "Brook Primary": SUPPRESSED, "Cley High School": SUPPRESSED}
    # EHCP 4 is the only small cell: shown beside SEN support 10 and the total 14, it could be worked out
    # (14 - 10 - 0 = 4), so SEN support is hidden too; the 0 stays.
    assert j["pupils_by_status"] == {"EHCP": SUPPRESSED, "SEN support": HIDDEN,
                                     "Not listed by pupil (e.g. whole school)": 0}
    # Areas: 7 and 7, nothing small.
    assert j["pupils_by_area"] == {"Cognition and learning": 7, "Social emotional and mental health": 7}
    measures = {x["measure"]: x for x in j["measures"]}
    # 4 pupils behind the incidents figure: nothing but the suppression mark is shown.
    assert measures["Incidents per week"] == {"measure": "Incidents per week", "pupils": SUPPRESSED}
    assert measures["SDQ total difficulties"]["pounds_per_point"] == "158.33"


def test_everything_suppressed_when_fewer_than_five_pupils_completed(cluster: Cluster) -> None:
    cluster.application("TVC-2627-AU1-001", "Aldby Primary", requested="500.00", state="closed",
                        statuses=["EHCP", "SEN support"])
    cluster.decision("TVC-2627-AU1-001", "approved", "500.00")
    cluster.impact("TVC-2627-IMP-001", "TVC-2627-AU1-001", pupils=2, spend="500.00",
                   outcomes=[("Standardised score", 80, 85, 86, "Exceeded")])
    j = json_data(published(governors_figures(cluster.config, load_year(cluster.db, cluster.config, year="2627"), TODAY)))
    assert j["cost_per_pupil"] == SUPPRESSED
    assert j["percent_met_or_exceeded"] == SUPPRESSED
    assert j["pupils_supported"] == SUPPRESSED


def test_target_met_higher_is_better() -> None:
    reading = BY_NAME["Reading age (months)"]
    assert target_met(reading, D(80), D(92), D(95)) == "Exceeded"
    assert target_met(reading, D(80), D(92), D(92)) == "Met"
    assert target_met(reading, D(80), D(92), D(85)) == "Partially met"
    assert target_met(reading, D(80), D(92), D(80)) == "Not met"
    assert target_met(reading, D(80), D(92), D(78)) == "Not met"


def test_target_met_lower_is_better() -> None:
    sdq = BY_NAME["SDQ total difficulties"]
    assert target_met(sdq, D(24), D(18), D(17)) == "Exceeded"
    assert target_met(sdq, D(24), D(18), D(18)) == "Met"
    assert target_met(sdq, D(24), D(18), D(20)) == "Partially met"
    assert target_met(sdq, D(24), D(18), D(24)) == "Not met"
    assert target_met(sdq, D(24), D(18), D(26)) == "Not met"
    incidents = BY_NAME["Incidents per week"]
    assert target_met(incidents, D(6), D(2), D(0)) == "Exceeded"


def test_years_are_read_in_the_usual_spellings() -> None:
    assert parse_year("2026-27") == "2627"
    assert parse_year("2026/2027") == "2627"
    assert parse_year("2627") == "2627"
    assert parse_year("2026") == "2627"


def test_hidden_cells_beside_one_small_cell() -> None:
    # Written out by hand: every count 1 to 4 is hidden; a lone small cell takes the smallest other
    # count above 0 with it (ties: the first), so that it cannot be found from the total.
    assert hidden_cells({"a": 3, "b": 20, "c": 7}) == {"a", "c"}
    assert hidden_cells({"a": 3, "b": 2, "c": 9}) == {"a", "b"}
    assert hidden_cells({"a": 0, "b": 12, "c": 3}) == {"b", "c"}
    assert hidden_cells({"a": 2, "b": 6, "c": 6}) == {"a", "b"}
    assert hidden_cells({"a": 4}) == {"a"}
    assert hidden_cells({"a": 0, "b": 5, "c": 30}) == set()


def test_own_measures_are_not_pooled_and_nothing_met_is_zero_not_blank(cluster: Cluster) -> None:
    """One intervention, 6 pupils, £600.00 spent, two outcomes:
    Other 2 -> 5, result 4 (Partially met); Attendance % 85 -> 90, result 84 (Not met, gain -1).
    By hand: cost per pupil 600 / 6 = 100.00; met 0 of 2 = 0.0%; Attendance: 1 outcome, mean gain -1.0,
    spend 600 / 2 = 300.00, no £ per point (no gain); "Other" is not a measure to pool: no row."""
    cluster.application("TVC-2627-AU1-001", "Aldby Primary", requested="600.00", state="closed",
                        statuses=["SEN support"] * 6)
    cluster.decision("TVC-2627-AU1-001", "approved", "600.00")
    cluster.impact("TVC-2627-IMP-001", "TVC-2627-AU1-001", pupils=6, spend="600.00", outcomes=[
        ("Other", 2, 5, 4, "Partially met"),
        ("Attendance %", 85, 90, 84, "Not met"),
    ])
    f = governors_figures(cluster.config, load_year(cluster.db, cluster.config, year="2627"), TODAY)
    assert (f.cost_per_pupil, f.outcomes, f.outcomes_met, f.share_met) == (D("100.00"), 2, 0, D("0.0"))
    assert [(m.measure, m.outcomes, m.mean_gain, m.spend, m.per_point) for m in f.measures] == [
        ("Attendance %", 1, D("-1.0"), D("300.00"), None)]
    assert f.own_measure_outcomes == 1
    j = json_data(published(f))
    assert j["percent_met_or_exceeded"] == "0.0" and j["outcomes_met_or_exceeded"] == 0
    assert j["cost_per_pupil"] == "100.00" and j["outcomes_in_own_measures"] == 1


def test_money_by_round_of_the_hand_cluster(cluster: Cluster) -> None:
    # Autumn 1: budget 5000.00; awarded 1200 + 600 + 800 + 400 = 3000.00; spent 1100 + 600 + 700 = 2400.00;
    # underspend 100 + 0 + 100 = 200.00. Spring 1: budget 3000.00, nothing decided yet.
    hand_cluster(cluster)
    f = governors_figures(cluster.config, load_year(cluster.db, cluster.config, year="2627"), TODAY)
    assert f.money_by_round == {
        "Autumn 1 2026": {"budget": D("5000.00"), "awarded": D("3000.00"), "spent": D("2400.00"),
                          "underspend": D("200.00")},
        "Spring 1 2027": {"budget": D("3000.00"), "awarded": D("0.00"), "spent": D("0.00"),
                          "underspend": D("0.00")},
    }


def test_years_outside_this_century_are_refused() -> None:
    for text in ("1999", "2099", "2026-28", "next year"):
        with pytest.raises(UsageError):
            parse_year(text)
