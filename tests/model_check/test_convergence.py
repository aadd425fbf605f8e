"""The graph algorithms behind convergence checks (a), (b) and (c)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from model_check.convergence import avoiding_cycle, doomed_states, first_bad_terminal


def test_first_bad_terminal_is_the_earliest_non_goal_terminal() -> None:
    goal = bytearray([0, 1, 0, 0])
    terminal = bytearray([0, 1, 0, 1])
    assert first_bad_terminal(goal, terminal) == 3
    assert first_bad_terminal(bytearray([1, 1]), bytearray([1, 1])) is None


def test_doomed_states_by_backward_reachability() -> None:
    # 0 -> 1 -> 2 (goal); 0 -> 3 -> 3 (trap with a self-loop); 4 -> 2
    edges = [[1, 3], [2], [], [3], [2]]
    goal = bytearray([0, 0, 1, 0, 0])
    assert list(doomed_states(edges, goal)) == [1, 1, 1, 0, 1]


class Budget(list[list[int]]):
    """Edges that count their reads and fail past ``budget`` of them, so that a search over the
    graph that never ends fails here, by name, instead of hanging (no test can hang)."""

    def __init__(self, edges: list[list[int]], budget: int) -> None:
        super().__init__(edges)
        self.reads, self.budget = 0, budget

    def __getitem__(self, i: Any) -> Any:
        self.reads += 1
        if self.reads > self.budget:
            raise AssertionError(f"edges read {self.reads} times: a search that never ends")
        return super().__getitem__(i)


def test_cycle_search_reads_each_state_a_bounded_number_of_times() -> None:
    """Tarjan reads a state's edges once per edge and once more to leave it, the component check
    once per component, the loop search once per state it visits."""
    cases = [
        ([[1], [2], [0]], [0, 1, 0], None),
        ([[1], [0]], [0, 0], (0, [(0, 0), (1, 0)])),
        ([[1, 3], [4], [], [5], [1], [3]], [0, 0, 1, 0, 0, 0], (1, [(1, 0), (4, 0)])),
    ]
    for edges, goal, expected in cases:
        n, m = len(edges), sum(len(e) for e in edges)
        budget = 3 * (n + m)
        assert avoiding_cycle(Budget(edges, budget), bytearray(goal)) == expected


def test_no_cycle_when_all_cycles_touch_the_goal() -> None:
    edges = [[1], [2], [0]]
    assert avoiding_cycle(edges, bytearray([0, 1, 0])) is None
    assert avoiding_cycle([[1], [2], []], bytearray(3)) is None


def test_self_loop_is_a_cycle() -> None:
    edges = [[1], [1, 2], []]
    found = avoiding_cycle(edges, bytearray([0, 0, 1]))
    assert found == (1, [(1, 0)])


def test_cycle_entry_is_the_earliest_state_and_the_loop_is_shortest() -> None:
    # 0 -> 1 -> 2 -> 3 -> 1, plus a long way 1 -> 4 -> 5 -> 6 -> 1
    edges = [[1], [4, 2], [3], [1], [5], [6], [1]]
    entry, loop = avoiding_cycle(edges, bytearray(7)) or (None, [])
    assert entry == 1
    assert loop == [(1, 1), (2, 0), (3, 0)]


def test_cycle_entry_is_the_earliest_state_even_when_a_later_cycle_lies_between() -> None:
    # Tarjan finds {1, 4} first (from 0 via 1), then {3, 5} (via 3): 3 lies between 1 and 4,
    # but the earliest state on a goal-avoiding cycle is 1, so {1, 4} stays the answer.
    edges = [[1, 3], [4], [], [5], [1], [3]]
    assert avoiding_cycle(edges, bytearray([0, 0, 1, 0, 0, 0])) == (1, [(1, 0), (4, 0)])


def test_the_loop_is_shortest_when_two_paths_meet() -> None:
    # 0 -> 1 -> 2 and 0 -> 2 meet at 2, which closes the loop: the loop goes 0 -> 2 -> 0.
    assert avoiding_cycle([[1, 2], [2], [0]], bytearray(3)) == (0, [(0, 1), (2, 0)])


def test_the_loop_closes_by_the_first_action_back_to_the_entry() -> None:
    # Two actions of the same state lead back to the entry: the loop takes the first.
    assert avoiding_cycle([[0, 0]], bytearray(1)) == (0, [(0, 0)])
    assert avoiding_cycle([[1], [0, 0]], bytearray(2)) == (0, [(0, 0), (1, 0)])


def test_deep_graph_needs_no_recursion() -> None:
    n = 50_000
    edges = [[i + 1] for i in range(n - 1)] + [[0]]
    found = avoiding_cycle(edges, bytearray(n))
    assert found is not None and len(found[1]) == n


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[list[int]], bytearray]:
    n = draw(st.integers(1, 9))
    edges = [draw(st.lists(st.integers(0, n - 1), max_size=3)) for _ in range(n)]
    goal = bytearray(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return edges, goal


def _reach(edges: list[list[int]], start: int, allowed: bytearray | None) -> set[int]:
    """States reachable from ``start`` in one or more steps (through allowed states only)."""
    seen: set[int] = set()
    todo = [start]
    while todo:
        v = todo.pop()
        for w in edges[v]:
            if w not in seen and (allowed is None or allowed[w]):
                seen.add(w)
                todo.append(w)
    return seen


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_against_brute_force(graph: tuple[list[list[int]], bytearray]) -> None:
    edges, goal = graph
    n = len(goal)
    live = doomed_states(edges, goal)
    for i in range(n):
        assert bool(live[i]) == (bool(goal[i]) or any(goal[j] for j in _reach(edges, i, None)))
    non_goal = bytearray(0 if g else 1 for g in goal)
    on_cycle = [i for i in range(n) if non_goal[i] and i in _reach(edges, i, non_goal)]
    found = avoiding_cycle(edges, goal)
    if not on_cycle:
        assert found is None
        return
    assert found is not None
    entry, loop = found
    assert entry == min(on_cycle)
    v = entry
    for state, k in loop:
        assert state == v and not goal[state]
        v = edges[state][k]
    assert v == entry
