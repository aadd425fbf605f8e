"""``pastry-ref check``: listing, exit codes, JSON, ITF export and replay, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from model_check import Scenario, Verdict, registry
from model_check import cli as mc_cli
from model_check.examples import BrokenMutex
from pastry_ref.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def engine_scenarios_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the engine's command, not about other packages' scenarios."""
    monkeypatch.setattr(mc_cli, "PROVIDERS", "model_check.no-such-group")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_every_registered_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--list")
    assert code == 0 and err == ""
    for s in registry.scenarios():
        assert s.name in out
    assert "288 states" in out
    code, out, _ = run(capsys, "--list", "--json")
    names = [s["name"] for s in json.loads(out)["scenarios"]]
    assert "example/broken-mutex" in names


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("example/two-phase-commit", 0),
        ("example/broken-mutex", 1),
        ("example/lost-update", 1),
        ("example/lossy-retransmit", 1),
        ("example/unreachable-witness", 1),
        ("example/counters", 0),
    ],
)
def test_exit_code_reflects_the_verdict(
    capsys: pytest.CaptureFixture[str], name: str, code: int
) -> None:
    got, out, err = run(capsys, name)
    assert got == code, err
    assert f"== {name}" in out
    assert "expectation met" in out
    assert "Traceback" not in err


def test_incomplete_search_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "example/two-phase-commit", "--max-states", "20")
    assert code == 3
    assert "Verdict: INCOMPLETE" in out
    assert "EXPECTATION MISMATCH: expected verdict PASS, got INCOMPLETE" in out
    code, out, _ = run(capsys, "example/two-phase-commit", "--strategy", "random", "--seed", "5")
    assert code == 3
    assert "seed 5" in out


def test_several_scenarios_exit_with_the_worst_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "example/two-phase-commit", "example/broken-mutex")
    assert code == 1
    assert out.count("Verdict:") == 2


def test_expect_turns_expected_failures_into_success(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "--expect", "example/broken-mutex", "example/two-phase-commit")
    assert code == 0
    code, out, _ = run(capsys, "--expect", "example/two-phase-commit", "--max-depth", "2")
    assert code == 1
    assert "EXPECTATION MISMATCH" in out


def test_expect_checks_which_properties_fail(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--expect", "example/broken-mutex", "--property", "EnterAlone")
    assert code == 1
    assert (
        "EXPECTATION MISMATCH: expected violated properties ['EnterAlone', 'MutualExclusion'], "
        "got ['EnterAlone']" in out
    )


def test_replay_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "cycle.itf.json"
    run(capsys, "example/lossy-retransmit", "--itf", str(path))
    code, out, _ = run(capsys, "example/lossy-retransmit", "--replay", str(path), "--json")
    assert code == 0
    assert json.loads(out) == {
        "replay": str(path),
        "ok": True,
        "steps": 2,
        "message": "replayed 2 step(s)",
    }


def test_json_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "example/broken-mutex", "--por", "--fingerprint")
    assert code == 1
    data = json.loads(out)
    assert data["exit_code"] == 1
    (s,) = data["scenarios"]
    assert s["scenario"] == "example/broken-mutex"
    assert s["verdict"] == "violated" and s["expectation_met"] is True
    assert s["stats"]["storage"] == "64-bit fingerprints"
    assert s["stats"]["por_applied"] is True
    assert s["stats"]["distinct_states"] == 9
    props = {p["name"]: p for p in s["properties"]}
    assert props["MutualExclusion"]["status"] == "violated"
    assert props["MutualExclusion"]["trace_length"] == 4


def test_itf_export_then_replay(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "mutex.itf.json"
    code, _, err = run(capsys, "example/broken-mutex", "--itf", str(path))
    assert code == 1
    assert "wrote the counterexample to MutualExclusion (4 steps)" in err
    assert json.loads(path.read_text())["#meta"]["property"] == "MutualExclusion"
    code, out, _ = run(capsys, "example/broken-mutex", "--replay", str(path))
    assert code == 0
    assert "ok: replayed 4 step(s)" in out
    doc = json.loads(path.read_text())
    doc["states"][4]["flag"] = {"#tup": [True, False]}
    path.write_text(json.dumps(doc))
    code, out, _ = run(capsys, "example/broken-mutex", "--replay", str(path))
    assert code == 1
    assert "MISMATCH: step 4" in out


def test_itf_without_a_counterexample_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "none.itf.json"
    code, _, err = run(capsys, "example/two-phase-commit", "--itf", str(path))
    assert code == 0 and not path.exists()
    assert "no counterexample" in err


BAD: list[tuple[Sequence[str], str]] = [
    (["example/nope"], "unknown scenario 'example/nope' (try --list)"),
    ([], "expected SCENARIO... or --list"),
    (["--list", "example/broken-mutex"], "--list takes no scenario"),
    (["example/broken-mutex", "--strategy", "bogo"], "--strategy: expected one of bfs, dfs"),
    (
        ["example/broken-mutex", "--max-states", "-1"],
        "--max-states: expected an integer in 1..1,000,000,000,000",
    ),
    (["example/broken-mutex", "--max-states", "many"], "--max-states: expected an integer"),
    (["example/broken-mutex", "--max-depth", "-2"], "--max-depth: expected an integer in 0.."),
    (
        ["example/broken-mutex", "--max-seconds", "0"],
        "--max-seconds: expected a number of seconds in (0, 10,000,000]",
    ),
    (["example/broken-mutex", "--seed", "3"], "--seed only applies to --strategy random"),
    (["example/broken-mutex", "--walks", "3"], "--walks only applies to --strategy random"),
    (["example/broken-mutex", "--strategy", "random", "--por"], "--por needs an exhaustive"),
    (["example/broken-mutex", "--strategy", "dfs", "--expect"], "--expect compares"),
    (["example/broken-mutex", "--property", "Nope"], "unknown property 'Nope'"),
    (["example/broken-mutex", "example/lost-update", "--itf", "x.json"], "exactly one scenario"),
    (["example/broken-mutex", "--itf", "a.json", "--replay", "b.json"], "use one of them"),
    (["example/broken-mutex", "--replay", "/nonexistent/t.itf.json"], "cannot read the ITF"),
    (["example/broken-mutex", "--itf", "/nonexistent/dir/t.itf.json"], "does not exist"),
    (["example/broken-mutex", "--replay", "t.json", "--por"], "does not search: drop --por"),
    (["example/broken-mutex", "--replay", "t.json", "--strategy", "dfs"], "drop --strategy"),
]


@pytest.mark.parametrize(("argv", "message"), BAD, ids=[" ".join(a) or "(none)" for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: Sequence[str], message: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("pastry-ref check: error: ")


def test_malformed_and_foreign_itf_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.itf.json"
    bad.write_text('{"vars": ["pc"], "states": [{"pc": {"#set": 3}}]}')
    code, _, err = run(capsys, "example/broken-mutex", "--replay", str(bad))
    assert code == 2 and "states[0].pc.#set: malformed ITF value" in err and str(bad) in err
    mutex = tmp_path / "mutex.itf.json"
    run(capsys, "example/broken-mutex", "--itf", str(mutex))
    code, _, err = run(capsys, "example/lost-update", "--replay", str(mutex))
    assert code == 2 and "are not the model's" in err and str(mutex) in err


@pytest.fixture
def toy_loader() -> Iterator[None]:
    def load(path: Path) -> list[Scenario]:
        text = path.read_text().strip()
        if text != "mutex":
            raise ValueError(f"{path}: line 1: expected 'mutex', got {text!r}")
        return [Scenario(f"file:{path.name}", "from a file", BrokenMutex, Verdict.VIOLATED, 9)]

    registry.register_file_loader(".mctest", load)
    yield
    registry._LOADERS.pop(".mctest")


@pytest.mark.usefixtures("toy_loader")
def test_scenario_files_go_through_their_loader(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = tmp_path / "ok.mctest"
    good.write_text("mutex\n")
    code, out, _ = run(capsys, str(good))
    assert code == 1 and "== file:ok.mctest" in out
    bad = tmp_path / "bad.mctest"
    bad.write_text("nonsense\n")
    code, _, err = run(capsys, str(bad))
    assert code == 2 and "line 1: expected 'mutex'" in err
    code, _, err = run(capsys, str(tmp_path / "absent.mctest"))
    assert code == 2 and "no such scenario file" in err
    other = tmp_path / "x.yaml"
    other.write_text("")
    code, _, err = run(capsys, str(other))
    assert code == 2 and "no scenario loader for .yaml" in err


def test_registry_refuses_duplicates_and_absent_plugins_are_skipped() -> None:
    s = registry.get("example/broken-mutex")
    with pytest.raises(registry.ScenarioError, match="already registered"):
        registry.register(s)
    assert registry.load_plugins(["model_check_no_such_plugin"]) == []
    assert registry.load_plugins(["model_check.examples"]) == ["model_check.examples"]


def test_the_installed_command_exits_2_without_a_traceback() -> None:
    exe = Path(sys.executable).with_name("pastry-ref")
    res = subprocess.run(
        [str(exe), "check", "example/nope"], check=False, capture_output=True, text=True, cwd=ROOT
    )
    assert res.returncode == 2
    assert (
        res.stderr.strip()
        == "pastry-ref check: error: unknown scenario 'example/nope' (try --list)"
    )
    res = subprocess.run(
        [str(exe), "check", "example/broken-mutex", "--json"],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 1
    assert json.loads(res.stdout)["scenarios"][0]["verdict"] == "violated"


def test_itf_that_cannot_be_written_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "example/broken-mutex", "--itf", str(tmp_path))  # a directory
    assert code == 2
    assert f"--itf {tmp_path}: a directory" in err
    assert err.strip().splitlines()[-1].startswith("pastry-ref check: error:")
