"""Small classic models that exercise every part of the engine (and one large one for the bench).

Owns: generic example models, with no knowledge of any protocol of this project:
- ``TwoPhaseCommit``: Gray and Lamport's two-phase commit (TLA+ ``TwoPhase``), correct: passes;
- ``BrokenMutex``: "check the other's flag, then raise mine": both processes can enter;
- ``LostUpdate``: two non-atomic increments of a shared counter: a terminal state misses the goal;
- ``LossyRetransmit``: send, lose, send, lose, ... a cycle that never delivers;
- ``BoundedCounters``: a "sometimes" witness that no reachable state satisfies;
- ``Counters``: independent counters, a large state space with a lot of independence (bench).
Independence comes from read and write sets: two actions are independent when neither writes a
location the other reads or writes (guards count as reads), which makes them commute and neither
enable nor disable the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from model_check.model import (
    Always,
    AlwaysOnTransition,
    BaseModel,
    Convergence,
    Property,
    Sometimes,
    Violation,
)

__all__ = [
    "Act",
    "BoundedCounters",
    "BrokenMutex",
    "Counters",
    "LossyRetransmit",
    "LostUpdate",
    "TwoPhaseCommit",
]

Loc = tuple[object, ...]


@attrs.frozen(slots=True)
class Act:
    """An example action: a name and an optional argument (a process or resource manager)."""

    name: str
    arg: int | None = None

    def __str__(self) -> str:
        return self.name if self.arg is None else f"{self.name}({self.arg})"


class _RWModel(BaseModel[object, Act]):
    """Examples whose independence is derived from per-action read and write sets."""

    def reads_writes(self, a: Act) -> tuple[frozenset[Loc], frozenset[Loc]]:
        raise NotImplementedError

    def independent(self, a: Act, b: Act) -> bool:
        ra, wa = self.reads_writes(a)
        rb, wb = self.reads_writes(b)
        return not (wa & (rb | wb) or wb & ra)


def _locs(*locs: Loc) -> frozenset[Loc]:
    return frozenset(locs)


# -- two-phase commit ----------------------------------------------------------------------------


@attrs.frozen(slots=True)
class TPCState:
    rm: tuple[str, ...]  # working | prepared | committed | aborted
    tm: str  # init | committed | aborted
    tm_prepared: frozenset[int]
    msgs: frozenset[tuple[str, int]]  # ("Prepared", rm), ("Commit", -1), ("Abort", -1)


class TwoPhaseCommit(_RWModel):
    """Two-phase commit with ``n`` resource managers (no stuttering steps: every action changes
    the state). Properties: consistency (always), a decision is taken on every transition that
    delivers one (transition), commit and abort both happen (sometimes), and everyone agrees on a
    decision (convergence)."""

    def __init__(self, n: int = 3) -> None:
        self.n = n

    def init_states(self) -> Sequence[TPCState]:
        return (TPCState(("working",) * self.n, "init", frozenset(), frozenset()),)

    def actions(self, state: object) -> Sequence[Act]:
        assert isinstance(state, TPCState)
        s = state
        out: list[Act] = []
        if s.tm == "init":
            out += [
                Act("TMRcvPrepared", r)
                for r in range(self.n)
                if ("Prepared", r) in s.msgs and r not in s.tm_prepared
            ]
            if len(s.tm_prepared) == self.n:
                out.append(Act("TMCommit"))
            out.append(Act("TMAbort"))
        for r in range(self.n):
            if s.rm[r] == "working":
                out += [Act("RMPrepare", r), Act("RMChooseToAbort", r)]
            if ("Commit", -1) in s.msgs and s.rm[r] != "committed":
                out.append(Act("RMRcvCommitMsg", r))
            if ("Abort", -1) in s.msgs and s.rm[r] != "aborted":
                out.append(Act("RMRcvAbortMsg", r))
        return out

    def next_state(self, state: object, action: Act) -> TPCState:
        assert isinstance(state, TPCState)
        s, r = state, action.arg

        def rm(value: str) -> tuple[str, ...]:
            assert r is not None
            return (*s.rm[:r], value, *s.rm[r + 1 :])

        match action.name:
            case "TMRcvPrepared":
                assert r is not None
                return attrs.evolve(s, tm_prepared=s.tm_prepared | {r})
            case "TMCommit":
                return attrs.evolve(s, tm="committed", msgs=s.msgs | {("Commit", -1)})
            case "TMAbort":
                return attrs.evolve(s, tm="aborted", msgs=s.msgs | {("Abort", -1)})
            case "RMPrepare":
                assert r is not None
                return attrs.evolve(s, rm=rm("prepared"), msgs=s.msgs | {("Prepared", r)})
            case "RMChooseToAbort":
                return attrs.evolve(s, rm=rm("aborted"))
            case "RMRcvCommitMsg":
                return attrs.evolve(s, rm=rm("committed"))
            case "RMRcvAbortMsg":
                return attrs.evolve(s, rm=rm("aborted"))
        raise ValueError(f"unknown action {action}")

    def reads_writes(self, a: Act) -> tuple[frozenset[Loc], frozenset[Loc]]:
        r = a.arg
        match a.name:
            case "TMRcvPrepared":
                return _locs(("tm",), ("tmp", r), ("msg", "Prepared", r)), _locs(("tmp", r))
            case "TMCommit":
                tmp = [("tmp", i) for i in range(self.n)]
                return _locs(("tm",), *tmp), _locs(("tm",), ("msg", "Commit"))
            case "TMAbort":
                return _locs(("tm",)), _locs(("tm",), ("msg", "Abort"))
            case "RMPrepare":
                return _locs(("rm", r)), _locs(("rm", r), ("msg", "Prepared", r))
            case "RMChooseToAbort":
                return _locs(("rm", r)), _locs(("rm", r))
            case "RMRcvCommitMsg":
                return _locs(("rm", r), ("msg", "Commit")), _locs(("rm", r))
            case _:
                return _locs(("rm", r), ("msg", "Abort")), _locs(("rm", r))

    def properties(self) -> Sequence[Property]:
        def consistent(s: TPCState) -> Iterable[Violation]:
            if "committed" in s.rm and "aborted" in s.rm:
                yield Violation("TCConsistent", f"resource managers disagree: {s.rm}")

        def decided_first(s: TPCState, a: Act, t: TPCState) -> Iterable[Violation]:
            want = "committed" if a.name == "RMRcvCommitMsg" else "aborted"
            if t.tm != want:
                yield Violation("DecisionFirst", f"{a} while the manager is {t.tm}")

        def agreed(s: TPCState) -> bool:
            return s.tm != "init" and all(x == s.tm for x in s.rm)

        return (
            Always("TCConsistent", consistent, "no RM committed while another aborted"),
            AlwaysOnTransition(
                "DecisionFirst",
                decided_first,
                "an RM learns a decision only after the manager took it",
                observes=lambda a: a.name.startswith("RMRcv"),
            ),
            Sometimes("SomeCommit", lambda s: s.tm == "committed", "a commit happens"),
            Sometimes("SomeAbort", lambda s: s.tm == "aborted", "an abort happens"),
            Convergence("Agreement", agreed, "every RM ends with the manager's decision"),
        )


# -- broken mutual exclusion ---------------------------------------------------------------------


@attrs.frozen(slots=True)
class MutexState:
    pc: tuple[str, ...]  # idle | checked | critical
    flag: tuple[bool, ...]


class BrokenMutex(_RWModel):
    """Each process checks that the other's flag is down, then raises its own and enters: the check
    and the raise are separate steps, so both can enter. Shortest counterexample: 4 steps."""

    def __init__(self, n: int = 2) -> None:
        self.n = n

    def init_states(self) -> Sequence[MutexState]:
        return (MutexState(("idle",) * self.n, (False,) * self.n),)

    def actions(self, state: object) -> Sequence[Act]:
        assert isinstance(state, MutexState)
        out: list[Act] = []
        for i, pc in enumerate(state.pc):
            others_down = not any(f for j, f in enumerate(state.flag) if j != i)
            if pc == "idle" and others_down:
                out.append(Act("Check", i))
            elif pc == "checked":
                out.append(Act("Enter", i))
            elif pc == "critical":
                out.append(Act("Exit", i))
        return out

    def next_state(self, state: object, action: Act) -> MutexState:
        assert isinstance(state, MutexState) and action.arg is not None
        i, s = action.arg, state
        new_pc = {"Check": "checked", "Enter": "critical", "Exit": "idle"}[action.name]
        flag = s.flag
        if action.name != "Check":
            flag = (*flag[:i], action.name == "Enter", *flag[i + 1 :])
        return MutexState((*s.pc[:i], new_pc, *s.pc[i + 1 :]), flag)

    def reads_writes(self, a: Act) -> tuple[frozenset[Loc], frozenset[Loc]]:
        i = a.arg
        if a.name == "Check":
            others = [("flag", j) for j in range(self.n) if j != i]
            return _locs(("pc", i), *others), _locs(("pc", i))
        return _locs(("pc", i)), _locs(("pc", i), ("flag", i))

    def properties(self) -> Sequence[Property]:
        def exclusive(s: MutexState) -> Iterable[Violation]:
            inside = [i for i, pc in enumerate(s.pc) if pc == "critical"]
            if len(inside) > 1:
                yield Violation("MutualExclusion", f"processes {inside} are all critical")

        def alone(s: MutexState, a: Act, t: MutexState) -> Iterable[Violation]:
            others = [j for j, pc in enumerate(s.pc) if pc == "critical" and j != a.arg]
            if others:
                yield Violation("EnterAlone", f"{a} while {others} critical")

        return (
            Always("MutualExclusion", exclusive, "at most one process is critical"),
            AlwaysOnTransition(
                "EnterAlone",
                alone,
                "a process enters only when no other is critical",
                observes=lambda a: a.name == "Enter",
            ),
            Sometimes("SomeoneEnters", lambda s: "critical" in s.pc, "the protocol is live"),
        )


# -- lost update: a terminal state that misses the goal --------------------------------------------


@attrs.frozen(slots=True)
class CounterState:
    x: int
    pc: tuple[int, ...]  # 0: about to read, 1: about to write, 2: done
    local: tuple[int, ...]


class LostUpdate(_RWModel):
    """``n`` workers each increment ``x`` by reading it, then writing the read value plus one.
    Goal: ``x == n``. Interleaved reads lose an update, so (a) a terminal state misses the goal
    and (b) the goal becomes unreachable at the second read; there is no cycle, (c) holds."""

    def __init__(self, n: int = 2) -> None:
        self.n = n

    def init_states(self) -> Sequence[CounterState]:
        return (CounterState(0, (0,) * self.n, (0,) * self.n),)

    def actions(self, state: object) -> Sequence[Act]:
        assert isinstance(state, CounterState)
        names = ("Read", "Write")
        return [Act(names[pc], i) for i, pc in enumerate(state.pc) if pc < 2]

    def next_state(self, state: object, action: Act) -> CounterState:
        assert isinstance(state, CounterState) and action.arg is not None
        s, i = state, action.arg
        pc = (*s.pc[:i], s.pc[i] + 1, *s.pc[i + 1 :])
        if action.name == "Read":
            return CounterState(s.x, pc, (*s.local[:i], s.x, *s.local[i + 1 :]))
        return CounterState(s.local[i] + 1, pc, s.local)

    def reads_writes(self, a: Act) -> tuple[frozenset[Loc], frozenset[Loc]]:
        i = a.arg
        if a.name == "Read":
            return _locs(("pc", i), ("x",)), _locs(("pc", i), ("local", i))
        return _locs(("pc", i), ("local", i)), _locs(("pc", i), ("x",))

    def properties(self) -> Sequence[Property]:
        return (Convergence("AllCounted", lambda s: s.x == self.n, "x ends at n"),)


# -- lossy retransmission: a cycle that avoids the goal --------------------------------------------


@attrs.frozen(slots=True)
class ChannelState:
    in_flight: bool
    delivered: bool


class LossyRetransmit(BaseModel[ChannelState, Act]):
    """A sender retransmits over a lossy channel until the message is delivered. Every terminal
    state is delivered (a) and delivery stays reachable (b), but Send, Lose, Send, Lose, ... is a
    cycle that never delivers (c): without fairness the run need not converge."""

    def init_states(self) -> Sequence[ChannelState]:
        return (ChannelState(False, False),)

    def actions(self, state: ChannelState) -> Sequence[Act]:
        if state.delivered:
            return ()
        if state.in_flight:
            return (Act("Deliver"), Act("Lose"))
        return (Act("Send"),)

    def next_state(self, state: ChannelState, action: Act) -> ChannelState:
        return ChannelState(action.name == "Send", action.name == "Deliver")

    def properties(self) -> Sequence[Property]:
        return (Convergence("Delivered", lambda s: s.delivered, "the message gets through"),)


# -- an unreachable witness ------------------------------------------------------------------------


class BoundedCounters(_RWModel):
    """Two counters in 0..3; "x + y = 7" is claimed sometimes true but is never reachable."""

    def __init__(self, bound: int = 3) -> None:
        self.bound = bound

    def init_states(self) -> Sequence[tuple[int, int]]:
        return ((0, 0),)

    def actions(self, state: object) -> Sequence[Act]:
        assert isinstance(state, tuple)
        return [Act("Inc", i) for i in (0, 1) if state[i] < self.bound]

    def next_state(self, state: object, action: Act) -> tuple[int, int]:
        assert isinstance(state, tuple) and action.arg is not None
        x, y = state
        return (x + 1, y) if action.arg == 0 else (x, y + 1)

    def reads_writes(self, a: Act) -> tuple[frozenset[Loc], frozenset[Loc]]:
        return _locs(("c", a.arg)), _locs(("c", a.arg))

    def properties(self) -> Sequence[Property]:
        b = self.bound
        return (
            Always.holds("InRange", lambda s: 0 <= s[0] <= b and 0 <= s[1] <= b, "counters bound"),
            Sometimes("XFull", lambda s: s[0] == b, "x reaches its bound"),
            Sometimes("SumSeven", lambda s: s[0] + s[1] == 7, "x + y reaches 7 (it cannot)"),
        )


# -- independent counters (the benchmark) ---------------------------------------------------


class Counters(_RWModel):
    """``n`` independent counters, each counting 0..k-1: k**n states, every pair of actions on
    different counters independent. With n=5, k=12: 248,832 distinct states."""

    def __init__(self, n: int = 5, k: int = 12) -> None:
        self.n, self.k = n, k
        self._acts = [Act("Inc", i) for i in range(n)]

    def init_states(self) -> Sequence[tuple[int, ...]]:
        return ((0,) * self.n,)

    def actions(self, state: object) -> Sequence[Act]:
        assert isinstance(state, tuple)
        top = self.k - 1
        return [a for a, c in zip(self._acts, state, strict=True) if c < top]

    def next_state(self, state: object, action: Act) -> tuple[int, ...]:
        assert isinstance(state, tuple) and action.arg is not None
        i = action.arg
        return (*state[:i], state[i] + 1, *state[i + 1 :])

    def independent(self, a: Act, b: Act) -> bool:
        return a.arg != b.arg

    def properties(self) -> Sequence[Property]:
        top = self.k - 1
        return (
            Always.holds("InRange", lambda s: all(0 <= c <= top for c in s), "every counter"),
            Sometimes("AllFull", lambda s: all(c == top for c in s), "every counter at the top"),
        )
