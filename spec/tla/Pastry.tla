------------------------------- MODULE Pastry -------------------------------
(***************************************************************************)
(* The World of pastry_ref/system/world.py for the join scenarios: every   *)
(* node that exists or may join, the in-flight messages as a multiset,     *)
(* and what the environment may still do (joins, lookups).  Actions are    *)
(* named as in spec/pastry.md section 10; the properties as in             *)
(* spec/invariants.md.  Rule 1: the variables are exactly the parts of a   *)
(* World that vary in a join scenario, so TLC's distinct states are our    *)
(* checker's (docs/tla.md gives the mapping).  Rule 2: a timer never fires *)
(* here: without failures only periodic timers could, and the join         *)
(* scenarios give them no budget (R-WORLD-6); TwinInScope checks that no   *)
(* ProbeTimeout becomes enabled under the quiet semantics.                 *)
(***************************************************************************)
EXTENDS PastryNode, TLC

CONSTANTS InitialReady,  \* the converged ring the scenario starts from
          Joins,         \* set of <<joiner, seed>>                       (R-WORLD-2)
          Lookups        \* set of <<origin, key, id>>                    (R-WORLD-7)

Nodes == InitialReady \cup {j[1] : j \in Joins}

VARIABLES node,          \* node id -> node record (PastryNode)
          net,           \* envelope -> number of copies in flight        (R-WORLD-1)
          joinsLeft,     \* the joins that may still happen
          requestsLeft   \* the lookups that may still be issued

vars == <<node, net, joinsLeft, requestsLeft>>

\* -- the multiset of in-flight envelopes ------------------------------------
Put(b, e) == IF e \in DOMAIN b THEN [b EXCEPT ![e] = @ + 1]
             ELSE [x \in DOMAIN b \cup {e} |-> IF x = e THEN 1 ELSE b[x]]
RECURSIVE PutAll(_, _)
PutAll(b, s) == IF s = <<>> THEN b ELSE PutAll(Put(b, Head(s)), Tail(s))
Take(b, e) == IF b[e] = 1 THEN [x \in DOMAIN b \ {e} |-> b[x]] ELSE [b EXCEPT ![e] = @ - 1]

\* -- the initial ring: ready nodes with the oracle's ideal tables (R-ORC-5) --
ReadyNode(x) ==
    [DeadNode EXCEPT !.status = "ready",
                     !.ls = IdealLS(x, InitialReady),
                     !.rt = IdealRT(x, InitialReady),
                     !.hood = BestM(x, InitialReady \ {x}, M)]

Init ==
    /\ node = [x \in Nodes |-> IF x \in InitialReady THEN ReadyNode(x) ELSE DeadNode]
    /\ net = [e \in {} |-> 0]
    /\ joinsLeft = Joins
    /\ requestsLeft = Lookups

Ready   == {x \in Nodes : node[x].status = "ready"}
Started == {x \in Nodes : node[x].status # "dead"}

\* -- actions ----------------------------------------------------------------
\* R-JOIN-1: Join(node, seed).
JoinAt(x, s) ==
    /\ <<x, s>> \in joinsLeft
    /\ joinsLeft' = joinsLeft \ {<<x, s>>}
    /\ IF node[x].status = "dead" /\ s # x
       THEN /\ node' = [node EXCEPT ![x].status = "wait"]
            /\ net' = Put(net, Env(s, JoinRequestMsg(x, x, {}, {}, <<>>)))
       ELSE UNCHANGED <<node, net>>
    /\ UNCHANGED requestsLeft

\* R-LOOKUP-1 / R-WORLD-7: Request(origin, Lookup(key, id)), named Lookup.
LookupAt(r) ==
    /\ r \in requestsLeft
    /\ node[r[1]].status = "ready"
    /\ requestsLeft' = requestsLeft \ {r}
    /\ LET d == Decide(r[1], node[r[1]], r[2])
       IN net' = IF d.deliver THEN net ELSE Put(net, Env(d.node, RouteMessageMsg(r[1], r[2], r[3])))
    /\ UNCHANGED <<node, joinsLeft>>

\* R-WORLD-1/3: deliver one in-flight message its destination accepts.
ReceiveEnv(e) ==
    /\ e \in DOMAIN net
    /\ Accepts(e[1], node[e[1]], e[2])
    /\ LET r == Handle(e[1], node[e[1]], e[2])
       IN /\ node' = [node EXCEPT ![e[1]] = r.n]
          /\ net' = PutAll(Take(net, e), r.out)
    /\ UNCHANGED <<joinsLeft, requestsLeft>>

ReceiveOf(t) == \E e \in DOMAIN net : e[2].type = t /\ ReceiveEnv(e)

Join                == \E j \in joinsLeft : JoinAt(j[1], j[2])
Lookup              == \E r \in requestsLeft : LookupAt(r)
ReceiveJoinRequest  == ReceiveOf("JoinRequest")
ReceiveJoinReply    == ReceiveOf("JoinReply")
ReceiveAnnounce     == ReceiveOf("Announce")
ReceiveAnnounceReply == ReceiveOf("AnnounceReply")
ReceiveLSProbe      == ReceiveOf("LSProbe")
ReceiveLSProbeReply == ReceiveOf("LSProbeReply")
ReceiveLeaseRequest == ReceiveOf("LeaseRequest")
ReceiveLeaseReply   == ReceiveOf("LeaseReply")
ReceiveLeaseRelease == ReceiveOf("LeaseRelease")
ReceiveJoinDone     == ReceiveOf("JoinDone")
ReceiveRouteMessage == ReceiveOf("RouteMessage")

Next ==
    \/ Join \/ Lookup
    \/ ReceiveJoinRequest \/ ReceiveJoinReply \/ ReceiveAnnounce \/ ReceiveAnnounceReply
    \/ ReceiveLSProbe \/ ReceiveLSProbeReply \/ ReceiveLeaseRequest \/ ReceiveLeaseReply
    \/ ReceiveLeaseRelease \/ ReceiveJoinDone \/ ReceiveRouteMessage

Spec == Init /\ [][Next]_vars

\* Whether any action is enabled (a terminal state has none).
SomeEnabled ==
    \/ joinsLeft # {}
    \/ \E r \in requestsLeft : node[r[1]].status = "ready"
    \/ \E e \in DOMAIN net : Accepts(e[1], node[e[1]], e[2])

\* -- scope: what the twin leaves out must stay out ---------------------------
\* R-WORLD-6 (quiet): ProbeTimeout(y) at x may fire when neither x's probe to y
\* nor y's reply to x is in flight.  The twin has no failure handling, so it
\* must never be enabled in the scenarios it is run on.
ProbeTimeoutEnabled ==
    \E x \in Started : \E y \in node[x].probing :
        ~\E e \in DOMAIN net :
            \/ e[1] = y /\ e[2].src = x /\ e[2].type = "LSProbe"
            \/ e[1] = x /\ e[2].src = y /\ e[2].type = "LSProbeReply"
TwinInScope == ~ProbeTimeoutEnabled

\* -- the properties of spec/invariants.md ------------------------------------
LSetInv == \A x \in Started : x \notin Members(node[x].ls)

RoutingTablePrefix ==
    \A x \in Started : \A y \in node[x].rt :
        /\ y # x
        /\ \A z \in node[x].rt \ {y} : Cell(x, y) # Cell(x, z)

HalfNeighbor ==
    LET active == {x \in Nodes : node[x].status \in {"ok", "ready"}}
    IN \A x \in active :
         /\ (node[x].ls.left = <<>>) = (node[x].ls.right = <<>>)
         /\ node[x].ls.left = <<>> => Cardinality(active) <= 1

NeighborClosest ==
    \A x \in Ready :
       /\ node[x].ls.right # <<>> =>
            \A y \in Ready \ {x} : ~(0 < Cw(x, y) /\ Cw(x, y) < Cw(x, node[x].ls.right[1]))
       /\ node[x].ls.left # <<>> =>
            \A y \in Ready \ {x} : ~(0 < Ccw(x, y) /\ Ccw(x, y) < Ccw(x, node[x].ls.left[1]))

\* Over every key of the space, not a sample: the plain definition.
ConsistencyEveryKey ==
    \A k \in Ids : \A x, y \in Ready :
        x # y => ~(Decide(x, node[x], k).deliver /\ Decide(y, node[y], k).deliver)

\* The same, faster (spec/invariants.md, "How every key is checked"): a node
\* with both halves non-empty delivers exactly the keys of one arc around
\* itself, up to where its nearest member on each side is closer (R-ID-5);
\* a node with an empty half is judged key by key.  tests/test_tlc.py checks
\* that the two definitions agree on the small join scenarios.
\* How far from x (in steps toward its neighbour other, clockwise if cw) x
\* still wins the keys: the largest d < gap with x closer at every step up
\* to d, found by bisection as system/consistency.py delivery_arcs does.
RECURSIVE Bisect(_, _, _, _, _)
Bisect(x, other, cw, lo, hi) ==
    IF hi - lo <= 1 THEN lo
    ELSE LET mid == (lo + hi) \div 2
             key == IF cw THEN (x + mid) % Size ELSE (x - mid + Size) % Size
         IN IF Closer(x, other, key) THEN Bisect(x, other, cw, mid, hi)
            ELSE Bisect(x, other, cw, lo, mid)
Reach(x, other, cw) == Bisect(x, other, cw, 0, IF cw THEN Cw(x, other) ELSE Ccw(x, other))
\* The keys ready node x would deliver.
Delivered(x) ==
    IF node[x].ls.left # <<>> /\ node[x].ls.right # <<>>
    THEN {(x + d + Size) % Size :
            d \in (-Reach(x, node[x].ls.left[1], FALSE))..Reach(x, node[x].ls.right[1], TRUE)}
    ELSE {k \in Ids : Decide(x, node[x], k).deliver}
Consistency == \A x, y \in Ready : x < y => Delivered(x) \cap Delivered(y) = {}

RootOf(k) == Closest(k, Ready)

\* CorrectDelivery judges the Lookup and ReceiveRouteMessage transitions by
\* their Deliver upcalls; a transition's upcalls depend only on the state it
\* leaves, so "every enabled delivering transition delivers at the root" as a
\* state invariant checks exactly the transitions our checker judges.
DeliversWrongly(x, k) == Decide(x, node[x], k).deliver /\ x # RootOf(k)
CorrectDelivery ==
    /\ \A r \in requestsLeft : node[r[1]].status = "ready" => ~DeliversWrongly(r[1], r[2])
    /\ \A e \in DOMAIN net :
          (e[2].type = "RouteMessage" /\ Accepts(e[1], node[e[1]], e[2]))
             => ~DeliversWrongly(e[1], e[2].key)

LeafSetsIdeal == \A x \in Ready : node[x].ls = IdealLS(x, Ready)
CorrectDeliveryAfterRepair == LeafSetsIdeal => CorrectDelivery

\* Route k from x over the ready nodes' tables: reaches the root, no revisit,
\* no hop to a node that is not ready (tables.routing.follow).
RECURSIVE Reaches(_, _, _)
Reaches(k, x, seen) ==
    LET d == Decide(x, node[x], k)
    IN IF d.deliver THEN x = RootOf(k)
       ELSE d.node \in Ready /\ d.node \notin seen /\ Reaches(k, d.node, seen \cup {d.node})

Converged == LeafSetsIdeal /\ \A k \in Ids : \A x \in Ready : Reaches(k, x, {x})
AllReady == Started = Ready
NoStuckMessages == DOMAIN net = {}

\* Convergence, part (a): every terminal state satisfies the goal.
Converged_terminal       == SomeEnabled \/ Converged
AllReady_terminal        == SomeEnabled \/ AllReady
NoStuckMessages_terminal == SomeEnabled \/ NoStuckMessages
=============================================================================
