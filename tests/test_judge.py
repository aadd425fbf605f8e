"""Judging whole traces (pastry_ref.oracle.judge_trace, ``pastry-ref judge``): valid traces of
our own code, deliberately wrong ones, bad lines. spec/trace-format.md R-TRACE-1..6 and
R-JUDGE-1..8.
"""

from __future__ import annotations

import importlib.resources
import io
import itertools
import json
import random
from collections.abc import Iterable

import pytest

from pastry_ref.cli.main import main
from pastry_ref.oracle import ForeignTables, TraceFormatError, TraceWriter, ideal_tables, load_trace
from pastry_ref.oracle.judge import TraceReport, judge_trace
from pastry_ref.ring.config import Config
from pastry_ref.ring.ids import IdSpace
from pastry_ref.system import build_ring
from pastry_ref.tables.routing import NodeTables, follow

S8 = IdSpace(8, 4)
IDS8 = [0x10, 0x30, 0x50, 0x80, 0xC0]


# -- trace builders ---------------------------------------------------------------------------
def world_trace(seed: int = 7, nodes: int = 16, lookups: int = 40) -> list[str]:
    """A ring built by our consistent joins (the World), its tables at quiescence, and lookups
    routed by our routing code over those tables, as trace lines."""
    rng = random.Random(seed)
    config = Config.make(bits=32, b=4, leaf_set_size=4, neighborhood_size=4)
    ids = list(dict.fromkeys(rng.getrandbits(32) for _ in range(nodes)))
    joiners = [(x, ids[rng.randrange(i)]) for i, x in enumerate(ids[1:], 1)]
    world, _ = build_ring(config, ids[0], joiners)
    tables = {n.id: NodeTables(n.leaf_set, n.routing_table, n.neighborhood) for n in world.nodes}
    out = io.StringIO()
    w = TraceWriter(out, config.space, 4, tie_rule="clockwise", implementation="pastry_ref World")
    t = 0
    for n in ids:
        t += 1
        w.joined(n, time=t)
    w.quiescent(time=t)
    for n in sorted(tables):
        w.snapshot(ForeignTables.of(tables[n]), time=t)
    for k in range(lookups):
        key, origin = rng.getrandbits(32), rng.choice(ids)
        route = follow(key, origin, tables)
        t += 1
        w.route(f"r{k}", key, origin, time=t)
        for a, c in itertools.pairwise(route.nodes()):
            w.hop(f"r{k}", a, c, time=t)
        w.deliver(f"r{k}", route.delivered_at, time=t)
    return out.getvalue().splitlines()


def small_trace(
    routes: Iterable[tuple[int, list[int], int | None]] = (),
    *,
    quiescent: bool = True,
    snapshots: bool = True,
    tables: dict[int, ForeignTables] | None = None,
    **header: object,
) -> list[str]:
    """Five nodes of an 8-bit space (L = 2) with ideal tables, then the given routes: (key,
    path from the origin, delivering node or None)."""
    out = io.StringIO()
    w = TraceWriter(out, S8, 2, **header)  # type: ignore[arg-type]
    for n in IDS8:
        w.joined(n, time=1)
    if quiescent:
        w.quiescent(time=2)
    ideal = {n: ForeignTables.of(t) for n, t in ideal_tables(IDS8, Config(S8, 2)).items()}
    if tables:
        ideal.update(tables)
    if snapshots:
        for n in IDS8:
            w.snapshot(ideal[n], time=2)
    for i, (key, path, at) in enumerate(routes):
        w.route(f"q{i}", key, path[0], time=3)
        for a, c in itertools.pairwise(path):
            w.hop(f"q{i}", a, c, time=3)
        if at is not None:
            w.deliver(f"q{i}", at, time=3)
    return out.getvalue().splitlines()


def line_of(lines: list[str], **match: object) -> int:
    """The 1-based number of the first line whose JSON has these fields."""
    for i, text in enumerate(lines, 1):
        obj = json.loads(text)
        if all(obj.get(k) == v for k, v in match.items()):
            return i
    raise AssertionError(f"no line with {match}")


def rules(report: TraceReport) -> set[str]:
    return {v.rule for v in report.violations}


@pytest.fixture(scope="module")
def world_lines() -> list[str]:
    return world_trace()


# -- valid traces ----------------------------------------------------------------------------
def test_R_JUDGE_8_a_trace_of_our_own_world_is_valid(world_lines: list[str]) -> None:
    report = judge_trace(world_lines)
    assert report.violations == (), report.summary()
    assert (report.verdict, report.exit_code) == ("valid", 0)
    m = report.measures
    assert m.routes == m.delivered == 40 and m.hops > 0
    assert m.hops_judged_snapshot == m.hops  # every hop judged against the node's snapshot
    assert m.windows_complete == 1 and m.routes_followed > 0
    assert report.summary().splitlines()[0] == "<trace>: VALID"


def test_R_JUDGE_8_the_cli_judges_a_trace_file(tmp_path, capsys, world_lines) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text("\n".join(world_lines) + "\n")
    assert main(["judge", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: VALID")
    assert main(["judge", "--json", str(path)]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["verdict"] == "valid" and report["valid"] is True and report["exit_code"] == 0
    assert report["measures"]["routes"] == 40
    assert captured.err.startswith(f"{path}: VALID")  # the summary first, on stderr


def test_R_JUDGE_3_hops_with_their_own_tables_are_judged_against_them() -> None:
    # 30 with a table that names only 80: forwarding 85 there is R-ROUTE-2 by those tables.
    lines = small_trace(quiescent=False, snapshots=False)
    own = ForeignTables(
        0x30, (0x10,), (0x50,), (tuple((0x80,) if c == 8 else () for c in range(16)),)
    )
    out = io.StringIO()
    w = TraceWriter(out, S8, 2)
    w.route("x", 0x85, 0x30, time=5)
    w.hop("x", 0x30, 0x80, time=5, tables=own)
    w.deliver("x", 0x80, time=5)
    report = judge_trace(lines + out.getvalue().splitlines()[1:])
    assert report.violations == ()
    assert report.measures.hops_judged_given == 1
    assert report.verdict == "unknown"  # no quiescent window: snapshots never judged


# -- deliberately wrong traces ---------------------------------------------------------------
def test_R_LS_2_a_wrong_leaf_set_in_a_snapshot_is_named_with_its_line() -> None:
    wrong = ForeignTables(0x30, (0x10,), (0x80,))  # 50 is 30's right neighbour
    lines = small_trace(tables={0x30: wrong})
    report = judge_trace(lines)
    assert report.verdict == "violated" and report.exit_code == 1
    snap_line = line_of(lines, type="snapshot", node="30")
    ls = [v for v in report.violations if v.rule == "R-LS-2"]
    assert ls and all(v.line == snap_line and v.node == 0x30 for v in ls)
    assert "misses live node 50" in ls[0].message
    assert {"Consistency", "RoutesReachRoot"} <= rules(report)


def test_R_LS_1_a_leaf_set_that_keeps_one_member_too_many() -> None:
    report = judge_trace(small_trace(tables={0x30: ForeignTables(0x30, (0x10,), (0x50, 0x80))}))
    assert "R-LS-1" in rules(report)
    assert any("more than L/2 = 1" in v.message for v in report.violations)


def test_R_ROUTE_3_a_hop_that_does_not_get_closer() -> None:
    # key 60 from 10: not in 10's leaf-set range (c0 | 30), cell (0, 6) empty: the rare case.
    # 10 -> c0 is farther from 60 than 10 itself.
    lines = small_trace([(0x60, [0x10, 0xC0, 0x50], 0x50)])
    report = judge_trace(lines)
    hop = line_of(lines, type="hop", **{"from": "10", "to": "c0"})
    assert [(v.rule, v.line, v.node) for v in report.violations] == [("R-ROUTE-3", hop, 0x10)]
    assert "not a known node sharing 0 digits with the key and strictly closer" in (
        report.violations[0].message
    )


def test_R_ROUTE_3_a_different_permitted_rare_case_hop_is_valid() -> None:
    # key 60 from 10 (tables c0 | 30, row 0: 30, 50, 80, c0; cell (0, 6) empty): ours goes to
    # 50, the closest; 30 is also known, shares 0 digits and is closer than 10: permitted.
    report = judge_trace(small_trace([(0x60, [0x10, 0x30, 0x50], 0x50)]))
    assert report.violations == () and report.verdict == "valid"


def test_R_JUDGE_1_a_delivery_at_a_non_root() -> None:
    lines = small_trace([(0x85, [0x10, 0x80, 0xC0], 0xC0)])
    report = judge_trace(lines)
    deliver = line_of(lines, type="deliver")
    cd = [v for v in report.violations if v.rule == "CorrectDelivery"]
    assert [(v.line, v.node) for v in cd] == [(deliver, 0xC0)]
    assert "root among the live nodes is 80" in cd[0].message
    assert "R-ROUTE-1" in rules(report)  # and 80 should not have forwarded


def test_R_JUDGE_1_deliveries_are_judged_against_the_live_set_of_their_line() -> None:
    out = io.StringIO()
    w = TraceWriter(out, S8, 2)
    w.route("a", 0x85, 0x10, time=5)
    w.crashed(0x80, time=6)
    w.quiescent(time=6)
    w.deliver("a", 0x10, time=7)  # 80 is gone: 50 is the root now, not 10
    lines = small_trace() + out.getvalue().splitlines()[1:]
    report = judge_trace(lines)
    assert "CorrectDelivery" in rules(report)
    assert "root among the live nodes is 50" in report.violations[-1].message


def test_R_ROUTE_5_a_route_that_revisits_a_node() -> None:
    lines = small_trace([(0x85, [0x10, 0x80, 0x10], None)])
    report = judge_trace(lines)
    revisit = [v for v in report.violations if v.rule == "R-ROUTE-5"]
    assert len(revisit) == 1 and "goes back to 10" in revisit[0].message


def test_R_JUDGE_2_a_hop_from_a_node_the_message_never_reached() -> None:
    out = io.StringIO()
    w = TraceWriter(out, S8, 2)
    w.route("p", 0x85, 0x10, time=5)
    w.hop("p", 0x30, 0x80, time=5)
    w.deliver("p", 0x80, time=5)
    report = judge_trace(small_trace() + out.getvalue().splitlines()[1:])
    assert "RoutePath" in rules(report)


def test_R_JUDGE_4_a_route_over_the_hop_bound() -> None:
    lines = small_trace([(0x60, [0x10, 0x30, 0x50], 0x50)], max_hops=1)
    report = judge_trace(lines)
    assert rules(report) == {"HopBound"}


def test_R_JUDGE_5_snapshots_outside_a_window_are_only_shape_checked() -> None:
    out = io.StringIO()
    w = TraceWriter(out, S8, 2)
    w.snapshot(ForeignTables(0x30, (0x10,), (0x80,)), time=9)  # wrong, but well shaped
    lines = small_trace() + out.getvalue().splitlines()[1:]
    # The window closed? No membership change: the window is still open, so it is judged.
    assert "R-LS-2" in rules(judge_trace(lines))
    out2 = io.StringIO()
    w2 = TraceWriter(out2, S8, 2)
    w2.joined(0x90, time=9)  # closes the window
    w2.snapshot(ForeignTables(0x30, (0x10,), (0x80,)), time=9)
    w2.snapshot(ForeignTables(0x30, (0x10,), (0x80, 0x50)), time=9)  # misordered
    report = judge_trace(small_trace() + out2.getvalue().splitlines()[1:])
    assert rules(report) == {"R-LS-1"}


def test_R_JUDGE_8_no_quiescent_point_is_unknown(capsys) -> None:
    report = judge_trace(small_trace(quiescent=False))
    assert (report.verdict, report.exit_code) == ("unknown", 3)
    assert any("no quiescent window" in n for n in report.notes)


def test_R_JUDGE_8_a_window_without_every_snapshot_is_unknown() -> None:
    lines = [x for x in small_trace() if '"node":"50"' not in x or '"joined"' in x]
    report = judge_trace(lines)
    assert report.verdict == "unknown"
    assert any("1 of 5 live nodes gave no snapshot" in n for n in report.notes)


def test_R_JUDGE_6_a_freepastry_layout_snapshot_is_valid() -> None:
    lines = small_trace()
    ideal = {n: t for n, t in ideal_tables(IDS8, Config(S8, 2)).items()}
    out = []
    for text in lines:
        obj = json.loads(text)
        if obj["type"] == "snapshot":
            owner = int(obj["node"], 16)
            rt = ideal[owner].routing_table
            rows = [
                [
                    [obj["node"]] if c == S8.digit(owner, r) else ([] if n is None else [S8.hex(n)])
                    for c, n in enumerate(rt.row(r))
                ]
                for r in range(S8.digits)
            ]
            obj["routing_table"] = rows[::-1]
            obj["layout"] = {"rows": "reversed", "own_column": "owner"}
        out.append(json.dumps(obj))
    report = judge_trace(out)
    assert report.violations == () and report.verdict == "valid"


# -- bad input: R-TRACE-1..6 ------------------------------------------------------------------
HEADER = (
    '{"type":"header","time":0,"format":"pastry-trace","version":1,"bits":8,"b":4,'
    '"leaf_set_size":2,"clock":"logical"}'
)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "empty trace"),
        (['{"type":"joined","time":0,"node":"10"}'], "1: field 'type': the first line must"),
        ([HEADER, HEADER], "2: field 'type': a second header"),
        ([HEADER, "{"], "2: not JSON"),
        ([HEADER, "[]"], "2: expected a JSON object"),
        ([HEADER, '{"type":"joined","time":1}'], "2: field 'node': missing"),
        ([HEADER, '{"type":"joined","time":1,"node":"10","nod":1}'], "field 'nod': not a field"),
        ([HEADER, '{"type":"join","time":1,"node":"10"}'], "field 'type': expected one of"),
        ([HEADER, '{"type":"joined","time":1,"node":"100"}'], "field 'node': expected 2 hex"),
        ([HEADER, '{"type":"joined","time":1.5,"node":"10"}'], "field 'time': expected a non"),
        (
            [
                HEADER,
                '{"type":"joined","time":3,"node":"10"}',
                '{"type":"joined","time":2,"node":"20"}',
            ],
            "3: field 'time': times never decrease",
        ),
        (
            [
                HEADER,
                '{"type":"joined","time":1,"node":"10"}',
                '{"type":"joined","time":1,"node":"10"}',
            ],
            "3: field 'node': 10 joined while already live",
        ),
        ([HEADER, '{"type":"crashed","time":1,"node":"10"}'], "10 crashed but is not live"),
        ([HEADER, '{"type":"hop","time":1,"route":"r","from":"10","to":"20"}'], "never started"),
        (
            [HEADER, '{"type":"route","time":1,"route":"r","key":"10","origin":"10"}'] * 1
            + ['{"type":"route","time":1,"route":"r","key":"10","origin":"10"}'],
            "3: field 'route': route 'r' was already started",
        ),
        (
            [
                HEADER,
                '{"type":"snapshot","time":1,"node":"10","leaf_set":{"left":[]},"routing_table":[]}',
            ],
            "field 'leaf_set': expected an object",
        ),
        (
            [
                HEADER,
                '{"type":"snapshot","time":1,"node":"10","leaf_set":{"left":[],"right":[]},"routing_table":[[]]}',
            ],
            "field 'routing_table[0]': expected a list of 16 cells",
        ),
        (
            [
                HEADER,
                '{"type":"snapshot","time":1,"node":"10","leaf_set":{"left":[],"right":[]},"routing_table":[],"layout":{"rows":"up"}}',
            ],
            "field 'layout.rows'",
        ),
        (
            [
                HEADER,
                '{"type":"snapshot","time":1,"node":"10","leaf_set":{"left":[],"right":[]},"routing_table":[],"layout":{"rows":"reversed"}}',
            ],
            "a reversed table has all 2 rows",
        ),
        ([HEADER.replace('"b":4', '"b":3')], "1: field bits: must be a multiple of b=3"),
        (
            [HEADER.replace('"leaf_set_size":2', '"leaf_set_size":3')],
            "leaf_set_size': expected an even",
        ),
        ([HEADER.replace('"logical"', '"sundial"')], "field 'clock'"),
        ([HEADER.replace('"version":1', '"version":2')], "field 'version': expected 1"),
    ],
)
def test_R_TRACE_4_bad_lines_are_one_message_naming_line_and_field(lines, message) -> None:
    with pytest.raises(TraceFormatError) as e:
        load_trace(lines)
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_R_TRACE_4_the_cli_gives_exit_2_naming_the_file_line_and_field(tmp_path, capsys) -> None:
    path = tmp_path / "bad.jsonl"
    lines = small_trace([(0x85, [0x10, 0x80], 0x80)])
    hop = line_of(lines, type="hop")
    lines[hop - 1] = lines[hop - 1].replace('"to":"80"', '"to":"8"')
    path.write_text("\n".join(lines))
    assert main(["judge", str(path)]) == 2
    err = capsys.readouterr().err
    expected = f"{path}:{hop}: field 'to': expected 2 hex digits, got '8' (1 characters)"
    assert err == f"pastry-ref: error: {expected}\n"
    assert main(["judge", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe")
    assert main(["judge", str(tmp_path / "bin.jsonl")]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_R_TRACE_1_extensions_and_blank_lines() -> None:
    lines = small_trace([(0x85, [0x10, 0x80], 0x80)])
    lines.insert(3, "")
    lines.insert(4, '{"type":"x-past-insert","anything":[1,2]}')
    lines[1] = lines[1][:-1] + ',"x-note":"hello"}'
    report = judge_trace(lines)
    assert report.verdict == "valid"


def test_R_TRACE_2_a_wall_clock_takes_fractions() -> None:
    lines = small_trace(clock="wall")
    lines[1] = lines[1].replace('"time":1', '"time":0.25')
    assert judge_trace(lines).verdict == "valid"


def test_R_TRACE_6_the_schema_ships_and_accepts_what_the_writer_writes(world_lines) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    text = importlib.resources.files("pastry_ref.oracle").joinpath("trace.schema.json").read_text()
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for line in world_lines + small_trace([(0x85, [0x10, 0x80], 0x80)]):
        validator.validate(json.loads(line))
    for bad in ('{"type":"joined","time":1}', '{"type":"hop","time":1,"route":"r","from":"1"}'):
        assert not validator.is_valid(json.loads(bad))


def test_R_TRACE_5_references_are_checked_by_the_loader() -> None:
    base = small_trace()
    with pytest.raises(TraceFormatError, match="never started"):
        load_trace([*base, '{"type":"deliver","time":9,"route":"nope","node":"10"}'])
    with pytest.raises(TraceFormatError, match="left but is not live"):
        load_trace([*base, '{"type":"left","time":9,"node":"20"}'])
    ok = load_trace([*base, '{"type":"left","time":9,"node":"10"}'])
    assert ok.events[-1].line == len(base) + 1


def test_R_JUDGE_1_a_route_delivered_at_two_nodes() -> None:
    lines = small_trace([(0x85, [0x10, 0x80], 0x80)])
    lines.append('{"type":"deliver","time":9,"route":"q0","node":"10"}')
    report = judge_trace(lines)
    assert [v.rule for v in report.violations] == ["CorrectDelivery"]
    assert "delivered again, at 10, after 80" in report.violations[0].message


def test_R_JUDGE_8_a_violated_report_raises_a_protocol_violation_on_request() -> None:
    from pastry_ref.errors import ProtocolViolation
    from pastry_ref.oracle import TraceViolated

    good = judge_trace(small_trace())
    assert good.raise_if_violated() is good
    bad = judge_trace(small_trace([(0x85, [0x10, 0x80, 0xC0], 0xC0)]))
    with pytest.raises(TraceViolated) as e:
        bad.raise_if_violated()
    assert isinstance(e.value, ProtocolViolation) and e.value.report is bad
    assert "CorrectDelivery" in str(e.value) or "R-ROUTE-1" in str(e.value)


def test_R_JUDGE_8_the_cli_reads_standard_input(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(small_trace()) + "\n"))
    assert main(["judge", "-"]) == 0
    assert capsys.readouterr().out.startswith("<trace>: VALID")
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(small_trace(quiescent=False))))
    assert main(["judge", "-"]) == 3


def test_R_JUDGE_8_the_cli_exits_1_on_a_violated_trace(tmp_path, capsys) -> None:
    path = tmp_path / "bad-run.jsonl"
    path.write_text("\n".join(small_trace([(0x85, [0x10, 0x80, 0xC0], 0xC0)])) + "\n")
    assert main(["judge", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}: VIOLATED (2 violations)"  # R-ROUTE-1 at 80, CorrectDelivery
    assert any("CorrectDelivery" in line for line in out[1:])
    assert main(["judge", "--json", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False and report["violations_total"] == 2


def test_R_JUDGE_3_a_retry_after_a_hop_timed_out_decides_without_that_hop() -> None:
    """R-HOP-3: 10 forwards 85 to 80 (its only entry in cell (0, 8)); 80 has crashed, the hop
    times out, and 10 sends again with 80 excluded: the rare case then permits c0."""
    row = tuple((0x80,) if c == 8 else (0xC0,) if c == 12 else () for c in range(16))
    own = ForeignTables(0x10, (0xC0,), (0x30,), (row,))
    out = io.StringIO()
    w = TraceWriter(out, S8, 2)
    w.route("retry", 0x85, 0x10, time=5)
    w.hop("retry", 0x10, 0x80, time=5, tables=own)
    w.crashed(0x80, time=6)
    w.hop("retry", 0x10, 0xC0, time=7, tables=own)
    w.hop("retry", 0xC0, 0x50, time=8)
    w.deliver("retry", 0x50, time=8)
    report = judge_trace(small_trace() + out.getvalue().splitlines()[1:])
    assert report.violations == ()
    assert report.measures.hops_judged_given == 2
    # The same second hop as a first attempt is wrong: cell (0, 8) holds 80.
    out2 = io.StringIO()
    w2 = TraceWriter(out2, S8, 2)
    w2.route("first", 0x85, 0x10, time=5)
    w2.hop("first", 0x10, 0xC0, time=5, tables=own)
    report2 = judge_trace(small_trace() + out2.getvalue().splitlines()[1:])
    assert [v.rule for v in report2.violations] == ["R-ROUTE-2"]
