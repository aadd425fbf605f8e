"""SCRIBE's properties of a World, registered with the property table on import.

Owns: NoParentCycle, DeliveredOnce, AnycastAnswersAcceptingMember, OutDegreeBounded (every
state), AnycastFailsOnlyWithoutAcceptor (transition), TreeAgreement, ChainsEndAtRoot,
DeliveryComplete, NoUselessForwarder (convergence: they must hold in terminal states). Rule 1:
each returns named violations. Rule 2: each holds vacuously (returns []) in a World whose hosts
run no ``ScribeApp``. "Live" means started and not down.
Spec: spec/invariants.md (SCRIBE), spec/scribe.md.
"""

from __future__ import annotations

from collections import Counter

from pastry_ref.node.state import Status
from pastry_ref.oracle.ideal import root
from pastry_ref.scribe.app import GroupState, ScribeApp
from pastry_ref.scribe.messages import (
    Anycast,
    AnycastAccepted,
    AnycastFailed,
    Delivered,
    Publish,
)
from pastry_ref.system.actions import WorldAction
from pastry_ref.system.consistency import Violation
from pastry_ref.system.invariants import ALL_CHECKS, register_property
from pastry_ref.system.world import World

__all__ = [
    "anycast_answers_accepting_member",
    "anycast_fails_only_without_acceptor",
    "chains_end_at_root",
    "delivered_once",
    "delivery_complete",
    "no_parent_cycle",
    "no_useless_forwarder",
    "out_degree_bounded",
    "scribe_apps",
    "tree_agreement",
]


def scribe_apps(world: World) -> dict[int, ScribeApp]:
    """The SCRIBE application of every live host that runs one."""
    out: dict[int, ScribeApp] = {}
    for h in world.hosts:
        if h.node.status is Status.DEAD or world.is_down(h.id):
            continue
        for a in h.apps:
            if isinstance(a, ScribeApp):
                out[h.id] = a
    return out


def _groups(apps: dict[int, ScribeApp]) -> dict[int, dict[int, GroupState]]:
    """groupId -> node -> that node's GroupState (live nodes only)."""
    out: dict[int, dict[int, GroupState]] = {}
    for n, a in apps.items():
        for g, st in a.groups:
            out.setdefault(g, {})[n] = st
    return out


def no_parent_cycle(world: World) -> list[Violation]:
    """NoParentCycle: following parent links from any node never comes back to a node."""
    out: list[Violation] = []
    for g, states in _groups(scribe_apps(world)).items():
        for start in sorted(states):
            path = [start]
            n: int | None = states[start].parent
            while n is not None and n in states:
                if n in path:
                    cycle = path[path.index(n) :]
                    if n == min(cycle):  # report each cycle once, from its smallest node
                        out.append(
                            Violation("NoParentCycle", f"group {g}: parent cycle {[*cycle, n]}")
                        )
                    break
                path.append(n)
                n = states[n].parent
    return out


def tree_agreement(world: World) -> list[Violation]:
    """TreeAgreement: parent and child links agree: a live node's parent is live and lists it
    as a child, and a live node's child is live and names it as parent."""
    out: list[Violation] = []
    for g, states in _groups(scribe_apps(world)).items():
        for n, st in sorted(states.items()):
            p = st.parent
            if p is not None and (p not in states or n not in states[p].children):
                out.append(
                    Violation("TreeAgreement", f"group {g}: {n}'s parent {p} does not list it")
                )
            for c in sorted(st.children):
                if c not in states or states[c].parent != n:
                    out.append(
                        Violation(
                            "TreeAgreement", f"group {g}: {n}'s child {c} does not name it parent"
                        )
                    )
    return out


def chains_end_at_root(world: World) -> list[Violation]:
    """ChainsEndAtRoot: every live member's parent chain ends at the group's current root (the
    live ready node closest to the groupId), which holds the group as root."""
    apps = scribe_apps(world)
    if not apps:
        return []
    ready = world.ready_ids()
    out: list[Violation] = []
    for g, states in _groups(apps).items():
        if not any(st.member for st in states.values()):
            continue
        r = root(g, ready, world.config.space)
        for n, st in sorted(states.items()):
            if not st.member:
                continue
            m, cur, hops = n, st, 0
            while cur.parent is not None and cur.parent in states and hops <= len(states):
                m, cur, hops = cur.parent, states[cur.parent], hops + 1
            if m != r or not cur.root:
                out.append(
                    Violation(
                        "ChainsEndAtRoot",
                        f"group {g}: member {n}'s chain ends at {m}, the root is {r}",
                    )
                )
    return out


def delivered_once(world: World) -> list[Violation]:
    """DeliveredOnce: no node delivered the same event of a group more than once."""
    counts = Counter(
        (n, r.request.group, r.response.seq)
        for n, r in world.replies
        if isinstance(r.request, Publish) and isinstance(r.response, Delivered)
    )
    return [
        Violation("DeliveredOnce", f"node {n} delivered event {s} of group {g} {k} times")
        for (n, g, s), k in sorted(counts.items())
        if k > 1
    ]


def delivery_complete(world: World) -> list[Violation]:
    """DeliveryComplete: with no node down, every live member delivered every event the root
    numbered after the member was attached (fault-free: vacuous once a node is down)."""
    if world.down:
        return []
    out: list[Violation] = []
    for g, states in _groups(scribe_apps(world)).items():
        roots = [st for st in states.values() if st.root]
        if len(roots) != 1:
            continue  # ChainsEndAtRoot judges that
        last = roots[0].seq
        for n, st in sorted(states.items()):
            if not st.member:
                continue
            start = st.joined if st.joined is not None else last
            missing = sorted(set(range(start + 1, last + 1)) - st.seen)
            if missing:
                out.append(
                    Violation(
                        "DeliveryComplete",
                        f"group {g}: member {n} (attached at event {start}) missed {missing}",
                    )
                )
    return out


def no_useless_forwarder(world: World) -> list[Violation]:
    """NoUselessForwarder: every live tree node is a member, has children or is the root."""
    return [
        Violation("NoUselessForwarder", f"group {g}: node {n} is no member and has no children")
        for g, states in _groups(scribe_apps(world)).items()
        for n, st in sorted(states.items())
        if not (st.member or st.children or st.root)
    ]


def anycast_answers_accepting_member(world: World) -> list[Violation]:
    """AnycastAnswersAcceptingMember: an anycast is accepted only by a node whose members
    accept anycasts, and each anycast is answered at most once."""
    apps = scribe_apps(world)
    out: list[Violation] = []
    answers = Counter(r.request for _, r in world.replies if isinstance(r.request, Anycast))
    for request, k in sorted(answers.items(), key=lambda kv: (kv[0].group, kv[0].id)):
        if k > 1:
            out.append(
                Violation(
                    "AnycastAnswersAcceptingMember", f"anycast {request.id} answered {k} times"
                )
            )
    for n, r in world.replies:
        if isinstance(r.request, Anycast) and isinstance(r.response, AnycastAccepted):
            a = apps.get(n)
            if a is not None and n not in a.accepts:
                out.append(
                    Violation(
                        "AnycastAnswersAcceptingMember",
                        f"anycast {r.request.id} accepted at {n}, which accepts none",
                    )
                )
    return out


def out_degree_bounded(world: World) -> list[Violation]:
    """OutDegreeBounded: with a child limit (R-SCRIBE-13), no live node has more children in
    a group than the limit."""
    out: list[Violation] = []
    for n, a in sorted(scribe_apps(world).items()):
        if a.max_children is None:
            continue
        for g, st in a.groups:
            if len(st.children) > a.max_children:
                out.append(
                    Violation(
                        "OutDegreeBounded",
                        f"group {g}: node {n} has {len(st.children)} children "
                        f"{sorted(st.children)}, the limit is {a.max_children}",
                    )
                )
    return out


def anycast_fails_only_without_acceptor(
    before: World, action: WorldAction, after: World
) -> list[Violation]:
    """AnycastFailsOnlyWithoutAcceptor: a step that answers an anycast with ``AnycastFailed``
    starts from a state in which no live node that accepts is an attached member of the group
    (acknowledged, or the root)."""
    if len(after.replies) == len(before.replies):
        return []

    def failures(w: World) -> Counter[tuple[int, Anycast]]:
        return Counter(
            (n, r.request)
            for n, r in w.replies
            if isinstance(r.request, Anycast) and isinstance(r.response, AnycastFailed)
        )

    new = sorted((failures(after) - failures(before)).elements(), key=lambda e: e[1].id)
    apps = scribe_apps(before)
    out: list[Violation] = []
    for n, request in new:
        g = request.group
        acceptors = sorted(
            m
            for m, a in apps.items()
            if m in a.accepts and (st := a.group(g)) is not None and st.member and st.attached
        )
        if acceptors:
            out.append(
                Violation(
                    "AnycastFailsOnlyWithoutAcceptor",
                    f"anycast {request.id} failed at {n} while {acceptors} accept as "
                    f"attached members of group {g}",
                )
            )
    return out


register_property("NoParentCycle", no_parent_cycle)
register_property("DeliveredOnce", delivered_once)
register_property("AnycastAnswersAcceptingMember", anycast_answers_accepting_member)
register_property("OutDegreeBounded", out_degree_bounded)
register_property("AnycastFailsOnlyWithoutAcceptor", transition=anycast_fails_only_without_acceptor)
register_property("TreeAgreement", tree_agreement, convergence=ALL_CHECKS)
register_property("ChainsEndAtRoot", chains_end_at_root, convergence=ALL_CHECKS)
register_property("DeliveryComplete", delivery_complete, convergence=("terminal",))
register_property("NoUselessForwarder", no_useless_forwarder, convergence=ALL_CHECKS)
