"""Convergence analysis over an explored transition graph.

Owns: the three convergence checks, on a graph whose states are numbered in discovery order
(``edges[i][k]`` is the successor of state ``i`` by its ``k``-th enabled action):
(a) a terminal state outside the goal; (b) a state from which no goal state is reachable (found by
backward reachability from the goal states); (c) a cycle of non-goal states (strongly connected
components by an iterative Tarjan, so deep graphs hit no recursion limit). Each answer is the
earliest-discovered witness, so under BFS the trace to it is a shortest one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

__all__ = ["avoiding_cycle", "doomed_states", "first_bad_terminal"]


def first_bad_terminal(goal: bytearray, terminal: bytearray) -> int | None:
    """The first terminal state (in discovery order) that is not a goal state."""
    for i, t in enumerate(terminal):
        if t and not goal[i]:
            return i
    return None


def doomed_states(edges: Sequence[Sequence[int]], goal: bytearray) -> bytearray:
    """``live[i]`` is 1 iff some goal state is reachable from state ``i`` (itself included)."""
    n = len(goal)
    preds: list[list[int]] = [[] for _ in range(n)]
    for i, succ in enumerate(edges):
        for j in succ:
            preds[j].append(i)
    live = bytearray(goal)
    work = deque(i for i in range(n) if goal[i])
    while work:
        j = work.popleft()
        for i in preds[j]:
            if not live[i]:
                live[i] = 1
                work.append(i)
    return live


def avoiding_cycle(
    edges: Sequence[Sequence[int]], goal: bytearray
) -> tuple[int, list[tuple[int, int]]] | None:
    """A cycle through non-goal states: ``(entry, loop)`` where ``loop`` lists ``(state, action
    index)`` steps that lead from ``entry`` back to ``entry``, or None if there is no such cycle.
    The entry is the earliest-discovered state of the earliest non-trivial component."""
    n = len(goal)
    index = [-1] * n
    low = [0] * n
    on_stack = bytearray(n)
    stack: list[int] = []
    counter = 0
    best: list[int] | None = None
    for root in range(n):
        if goal[root] or index[root] != -1:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        work: list[tuple[int, int]] = [(root, 0)]
        while work:
            v, pos = work[-1]
            succ = edges[v]
            if pos < len(succ):
                work[-1] = (v, pos + 1)
                w = succ[pos]
                if goal[w]:
                    continue
                if index[w] == -1:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = 1
                    work.append((w, 0))
                elif on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp: list[int] = []
                while True:
                    w = stack.pop()
                    on_stack[w] = 0
                    comp.append(w)
                    if w == v:
                        break
                if (len(comp) > 1 or v in edges[v]) and (best is None or min(comp) < min(best)):
                    best = comp
    if best is None:
        return None
    members = set(best)
    entry = min(best)
    # Shortest loop entry -> ... -> entry inside the component (BFS over its edges).
    prev: dict[int, tuple[int, int]] = {}
    frontier = deque([entry])
    seen = {entry}
    closing: tuple[int, int] | None = None
    while frontier and closing is None:
        v = frontier.popleft()
        for k, w in enumerate(edges[v]):
            if w == entry:
                closing = (v, k)
                break
            if w in members and w not in seen:
                seen.add(w)
                prev[w] = (v, k)
                frontier.append(w)
    if closing is None:  # pragma: no cover - a non-trivial SCC always closes a loop
        raise AssertionError("component without a loop")
    loop: list[tuple[int, int]] = [closing]
    v = closing[0]
    while v != entry:
        loop.append(prev[v])
        v = prev[v][0]
    loop.reverse()
    return entry, loop
