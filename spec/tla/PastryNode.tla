----------------------------- MODULE PastryNode -----------------------------
(***************************************************************************)
(* One node as a pure state machine: its state record and one operator per *)
(* handler of pastry_ref/node/ (join.py, join_consistent.py,               *)
(* join_paper.py, view.py, route.py) and the guard "accepts" of            *)
(* dispatch.py.  Rule 1: a handler H(o, n, m) takes the node's id o, its    *)
(* state n and the message m and returns [n |-> next state, out |-> the    *)
(* envelopes it sends, a sequence]; it never reads another node.  Rule 2:  *)
(* the node's id is not part of its record (the World indexes nodes by id).*)
(* Omitted, because no join scenario can change them: failed, retried and  *)
(* pending (always empty without crashes, leaves, timeouts or hop acks).   *)
(***************************************************************************)
EXTENDS PastryTables, PastryMessages

CONSTANT Protocol   \* "consistent" or "paper" (R-CFG-2)

ASSUME Protocol \in {"consistent", "paper"}

Consistent == Protocol = "consistent"

\* NodeState.new: dead, knowing nobody (R-NODE-2).
DeadNode == [status |-> "dead", ls |-> EmptyLS, rt |-> {}, hood |-> {},
             probing |-> {}, leases |-> {}, asked |-> {}, waiting |-> {},
             granted |-> {}, helping |-> None, helper |-> None, version |-> 0]

LeafContent(o, n) == Members(n.ls) \cup {o}
Known(n) == Members(n.ls) \cup n.rt \cup n.hood
Decide(o, n, k) == NextHop(o, n.ls, n.rt, n.hood, k)

\* One envelope of the same message to every node of S (ascending, as sent).
Sends(S, m) == LET s == SortedSeq(S) IN [i \in 1..Len(s) |-> Env(s[i], m)]

Result(n, out) == [n |-> n, out |-> out]

\* view.learn (R-RT-2, R-LS-2, R-NB-1; R-PJ-2 bumps the version on a leaf-set
\* change under the paper join).
Learn(o, n, S) ==
    LET new == S \ {o}
        ls2 == AddAll(o, n.ls, new)
    IN IF new = {} THEN n
       ELSE [n EXCEPT !.ls = ls2, !.rt = RTInsertAll(o, n.rt, new),
                      !.hood = HoodInsertAll(o, n.hood, new),
                      !.version = IF ls2 # n.ls /\ ~Consistent THEN @ + 1 ELSE @]

WouldEnter(o, ls, x) == x # o /\ x \notin Members(ls) /\ AddAll(o, ls, {x}) # ls

\* R-CJ-5 (view.probe_new): probe every candidate that would enter the leaf set.
ProbeNew(o, n, C) ==
    LET fresh == {x \in C : x \notin n.probing /\ WouldEnter(o, n.ls, x)}
    IN Result([n EXCEPT !.probing = @ \cup fresh], Sends(fresh, LSProbeMsg(o, LeafContent(o, n))))

\* R-CJ-10: a node that granted a lease keeps its immediate neighbours.
LockedAgainst(o, n, x) ==
    /\ n.granted # {}
    /\ x \notin n.granted
    /\ Immediate(AddAll(o, n.ls, {x})) # Immediate(n.ls)

\* join_consistent.advance: R-CJ-7 (deferred grants), R-CJ-6 (ok, ask for
\* leases), R-CJ-8 (ready), R-CJ-9 (JoinDone), R-CJ-10 (release stale leases).
Advance(o, n) ==
    LET nb   == Immediate(n.ls)
        w    == n.waiting \cap nb
        out1 == Sends(w, LeaseReplyMsg(o, TRUE, LeafContent(o, n)))
        n1   == [n EXCEPT !.waiting = @ \ w, !.granted = @ \cup w]
        n2   == IF n1.status = "wait" /\ n1.probing = {} /\ IsComplete(n1.ls)
                THEN [n1 EXCEPT !.status = "ok"] ELSE n1
    IN IF n2.status # "ok" THEN Result(n2, out1)
       ELSE LET stale == n2.leases \ nb
                n3    == [n2 EXCEPT !.leases = @ \ stale]
                ask   == (nb \ n3.leases) \ n3.asked
                n4    == [n3 EXCEPT !.asked = @ \cup ask]
                done  == nb # {} /\ nb \subseteq n4.leases /\ n4.probing = {}
                rel   == n4.leases \cup (IF n4.helper = None THEN {} ELSE {n4.helper})
            IN Result(IF done THEN [n4 EXCEPT !.status = "ready", !.helper = None] ELSE n4,
                      out1 \o Sends(stale, LeaseReleaseMsg(o)) \o Sends(ask, LeaseRequestMsg(o))
                           \o (IF done THEN Sends(rel, JoinDoneMsg(o)) ELSE <<>>))

\* R-JOIN-2: what a hop gives the joiner: itself and its rows 0..l.
RowsFor(o, n, j) == {x \in n.rt : SharedPrefix(o, x) <= SharedPrefix(o, j)} \cup {o}

\* join.route_join: forward toward the joiner, or answer as Z (R-JOIN-3,
\* R-CJ-2: a busy Z sends a request it would answer to itself).
RouteJoin(o, n, fwd) ==
    LET d == Decide(o, n, fwd.joiner)
    IN IF ~d.deliver THEN Result(n, <<Env(d.node, fwd)>>)
       ELSE IF Consistent /\ n.helping \notin {None, fwd.joiner}
            THEN Result(n, <<Env(o, fwd)>>)
            ELSE Result(IF Consistent THEN [n EXCEPT !.helping = fwd.joiner] ELSE n,
                        <<Env(fwd.joiner, JoinReplyMsg(o, LeafContent(o, n), fwd.rows,
                                                       fwd.hood, fwd.givers))>>)

\* R-JOIN-2/3 (ReceiveJoinRequest: receive and route in one step).
ReceiveJoinRequestH(o, n, m) ==
    IF m.src = o THEN RouteJoin(o, n, m)
    ELSE RouteJoin(o, n, JoinRequestMsg(o, m.joiner, m.rows \cup RowsFor(o, n, m.joiner),
                                        IF m.src = m.joiner THEN n.hood \cup {o} ELSE m.hood,
                                        Append(m.givers, <<o, n.version>>)))

\* R-CJ-3: probe every member of the new leaf set.
StartProbing(o, n, z) ==
    Result([n EXCEPT !.probing = Members(n.ls), !.helper = z],
           Sends(Members(n.ls), LSProbeMsg(o, LeafContent(o, n))))

\* The version giver x had when it gave its state (R-PJ-2), or None.
Given(givers, x) ==
    LET is == {i \in DOMAIN givers : givers[i][1] = x}
    IN IF is = {} THEN None ELSE givers[CHOOSE i \in is : \A j \in is : j <= i][2]

\* R-PJ-1: active at once; announce to every node of the new state.
AnnounceArrival(o, n, givers) ==
    LET n1 == [n EXCEPT !.status = "ready", !.version = @ + 1]
        s  == SortedSeq(Known(n1))
    IN Result(n1, [i \in 1..Len(s) |-> Env(s[i], AnnounceMsg(o, Given(givers, s[i])))])

\* R-JOIN-4, then R-CJ-3 or R-PJ-1.
ReceiveJoinReplyH(o, n, m) ==
    LET n1 == [n EXCEPT !.ls = AddAll(o, EmptyLS, m.ls),
                        !.rt = RTInsertAll(o, n.rt, (m.rows \cup m.ls \cup m.hood) \ {o}),
                        !.hood = HoodInsertAll(o, n.hood, m.hood \cup m.ls)]
    IN IF Consistent THEN StartProbing(o, n1, m.src) ELSE AnnounceArrival(o, n1, m.givers)

\* R-PJ-2.
ReceiveAnnounceH(o, n, m) ==
    LET stale == m.version # None /\ m.version # n.version
        n1 == Learn(o, n, {m.src})
    IN Result(n1, IF stale THEN <<Env(m.src, AnnounceReplyMsg(o, LeafContent(o, n1), n1.version))>>
                  ELSE <<>>)

\* R-PJ-3.
ReceiveAnnounceReplyH(o, n, m) ==
    LET n1 == Learn(o, n, m.ls)
    IN Result(n1, Sends((Members(n1.ls) \ Members(n.ls)) \ {m.src}, AnnounceMsg(o, None)))

\* R-CJ-4/5.
ReceiveLSProbeH(o, n, m) ==
    LET p == ProbeNew(o, Learn(o, n, {m.src}), m.ls)
        a == Advance(o, p.n)
    IN Result(a.n, p.out \o <<Env(m.src, LSProbeReplyMsg(o, LeafContent(o, p.n)))>> \o a.out)

ReceiveLSProbeReplyH(o, n, m) ==
    LET p == ProbeNew(o, Learn(o, [n EXCEPT !.probing = @ \ {m.src}], {m.src}), m.ls)
        a == Advance(o, p.n)
    IN Result(a.n, p.out \o a.out)

\* R-CJ-7.
ReceiveLeaseRequestH(o, n, m) ==
    LET g == m.src \in Immediate(n.ls)
    IN Result(IF g THEN [n EXCEPT !.granted = @ \cup {m.src}]
              ELSE [n EXCEPT !.waiting = @ \cup {m.src}],
              <<Env(m.src, LeaseReplyMsg(o, g, LeafContent(o, n)))>>)

\* R-CJ-8, R-CJ-10 (release a lease not needed).
ReceiveLeaseReplyH(o, n, m) ==
    LET n1  == IF m.granted THEN [n EXCEPT !.asked = @ \ {m.src}] ELSE n
        rel == m.granted /\ (n1.status = "ready" \/ m.src \notin Immediate(n1.ls))
        n2  == IF m.granted /\ ~rel THEN [n1 EXCEPT !.leases = @ \cup {m.src}] ELSE n1
        p   == ProbeNew(o, n2, m.ls)
        a   == Advance(o, p.n)
    IN Result(a.n, (IF rel THEN <<Env(m.src, LeaseReleaseMsg(o))>> ELSE <<>>) \o p.out \o a.out)

\* R-CJ-10.
ReceiveLeaseReleaseH(o, n, m) ==
    IF m.src \notin n.granted THEN Result(n, <<>>)
    ELSE Advance(o, [n EXCEPT !.granted = @ \ {m.src}])

\* R-CJ-9.
ReceiveJoinDoneH(o, n, m) ==
    Advance(o, [n EXCEPT !.helping = IF @ = m.src THEN None ELSE @,
                         !.granted = @ \ {m.src}])

\* R-LOOKUP-2 / R-ROUTE-6: deliver at the root it knows, else forward (the
\* lookup application lets every message go on unchanged).
ReceiveRouteMessageH(o, n, m) ==
    LET d == Decide(o, n, m.key)
    IN Result(n, IF d.deliver THEN <<>> ELSE <<Env(d.node, RouteMessageMsg(o, m.key, m.id))>>)

\* dispatch.accepts (R-NODE-2, R-CJ-2, R-CJ-10): whether n takes m now.
Accepts(o, n, m) ==
    /\ n.status # "dead"
    /\ CASE m.type = "JoinRequest" ->
              n.status = "ready" /\ (Consistent /\ n.helping # None => ~Decide(o, n, m.joiner).deliver)
         [] m.type \in {"RouteMessage", "Announce", "AnnounceReply"} -> n.status = "ready"
         [] m.type = "JoinReply" -> n.status = "wait" /\ Members(n.ls) = {} /\ n.probing = {}
         [] m.type \in {"LSProbe", "LSProbeReply"} ->
              /\ ~(m.type = "LSProbe" /\ n.status = "wait" /\ Members(n.ls) = {})
              /\ ~LockedAgainst(o, n, m.src)
         [] m.type \in {"LeaseRequest", "LeaseReply"} -> n.status \in {"ok", "ready"}
         [] OTHER -> TRUE

\* dispatch.MESSAGE_HANDLERS.
Handle(o, n, m) ==
    CASE m.type = "JoinRequest"   -> ReceiveJoinRequestH(o, n, m)
      [] m.type = "JoinReply"     -> ReceiveJoinReplyH(o, n, m)
      [] m.type = "Announce"      -> ReceiveAnnounceH(o, n, m)
      [] m.type = "AnnounceReply" -> ReceiveAnnounceReplyH(o, n, m)
      [] m.type = "LSProbe"       -> ReceiveLSProbeH(o, n, m)
      [] m.type = "LSProbeReply"  -> ReceiveLSProbeReplyH(o, n, m)
      [] m.type = "LeaseRequest"  -> ReceiveLeaseRequestH(o, n, m)
      [] m.type = "LeaseReply"    -> ReceiveLeaseReplyH(o, n, m)
      [] m.type = "LeaseRelease"  -> ReceiveLeaseReleaseH(o, n, m)
      [] m.type = "JoinDone"      -> ReceiveJoinDoneH(o, n, m)
      [] m.type = "RouteMessage"  -> ReceiveRouteMessageH(o, n, m)
=============================================================================
