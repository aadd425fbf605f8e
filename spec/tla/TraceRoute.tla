----------------------------- MODULE TraceRoute -----------------------------
(***************************************************************************)
(* Trace validation of a FOREIGN implementation's routing: is every hop    *)
(* and every delivery of a conformance trace (spec/trace-format.md, the    *)
(* "pastry-trace" format) one the paper's rules permit?  The trace is a    *)
(* constant, Steps: one record per hop or deliver line, with the tables    *)
(* the step decided with, resolved by pastry_ref/tla/foreign.py exactly as *)
(* R-JUDGE-3 says (the hop's own tables; else, in a quiescent window, the  *)
(* node's snapshot; else the ideal tables of the live set).  Owns nothing  *)
(* but the predicate Permitted and the walk over Steps.  Rule 1: the ring  *)
(* arithmetic, the leaf-set range and the routing-table cell are the       *)
(* twin's own operators (PastryRing, PastryLeafSet, PastryTables), reused  *)
(* unchanged; only the tie rule of the judged implementation (TieRule,     *)
(* R-ID-5 or not) is new here.  Rule 2: the trace is accepted iff TLC      *)
(* reaches depth Len(Steps) + 1; a shorter depth d names step d, the first *)
(* one not permitted, and TraceNext prints the rule it breaks.             *)
(* Rule 3: TLC's integers are 32-bit; Cw computes y - x + 2^Bits, so Bits  *)
(* is at most 30 (foreign.py refuses a wider trace before TLC runs).       *)
(***************************************************************************)
EXTENDS PastryTables, TLC

CONSTANTS TieRule,  \* "clockwise" (ours, R-ID-5), "counterclockwise" or "either"
          MaxHops,  \* the header's hop bound (R-JUDGE-4)
          Steps     \* <<[kind, route, key, node, to, live, mode, left, right,
                    \*    rt, known, reached, tried, delivered, hop, line], ...>>

ASSUME Bits <= 30
ASSUME TieRule \in {"clockwise", "counterclockwise", "either"}

(* One step (a record of Steps):                                           *)
(*   kind      "hop" (node forwarded to to) or "deliver" (node delivered)  *)
(*   route     the route's number; key: its key                          *)
(*   node, to  the deciding node and the next hop (None for a deliver)    *)
(*   live      the nodes live at the step's line                          *)
(*   mode      "given", "snapshot", "ideal" or "none" (R-JUDGE-3: which   *)
(*             tables the step decided with; "none": not judged by them)  *)
(*   left, right  the leaf-set halves, closest first (given / snapshot;   *)
(*             for "ideal", the ideal halves of node over live)           *)
(*   rt        the routing table as the set of its entries <<row, column, *)
(*             id>> in our layout (a foreign table may misplace an entry: *)
(*             the cell is the one the table names); {} for "ideal"       *)
(*   known     leaf set, routing table and neighbourhood, node excluded   *)
(*   reached   the nodes the route's message reached before this step     *)
(*   tried     the nodes node already forwarded this route to (R-HOP-3)   *)
(*   delivered the node the route was delivered at before ({} or one)     *)
(*   hop       the number of this hop in its route (0 for a deliver)      *)
(*   line      the step's line in the trace file                         *)

\* -- closeness under the judged implementation's tie rule (R-ID-5) ---------
\* a is closer to k than b under every tie rule the judge accepts.
SurelyCloser(a, b, k) ==
    CASE TieRule = "either"    -> Dist(a, k) < Dist(b, k)
      [] TieRule = "clockwise" -> Closer(a, b, k)
      [] OTHER                 -> \/ Dist(a, k) < Dist(b, k)
                                  \/ Dist(a, k) = Dist(b, k) /\ Ccw(k, a) < Ccw(k, b)

\* a counts as strictly closer than b: with "either" an exact tie counts both ways.
MayBeCloser(a, b, k) ==
    IF TieRule = "either"
    THEN Dist(a, k) < Dist(b, k) \/ (Dist(a, k) = Dist(b, k) /\ a # b)
    ELSE SurelyCloser(a, b, k)

\* The nodes of S closest to k: one, or both nodes of an exact tie under "either".
Best(k, S) == {a \in S : \A b \in S : ~SurelyCloser(b, a, k)}

\* -- the tables a step decided with, without the hops that timed out ------
\* R-HOP-3: a node that forwards the same route again decides without the
\* nodes it already sent it to.
LS(s) == [left  |-> SelectSeq(s.left, LAMBDA x : x \notin s.tried),
          right |-> SelectSeq(s.right, LAMBDA x : x \notin s.tried)]

\* The nodes in cell (l, d) of node's table.  Against the ideal tables the
\* cell holds every other live node that fits it (Cell, R-RT-1; Cell(o, o)
\* is not defined: o shares all Digits digits with itself).
CellOf(s, l, d) ==
    LET held == IF s.mode = "ideal"
                THEN {x \in s.live \ {s.node} : Cell(s.node, x) = <<l, d>>}
                ELSE {e[3] : e \in {f \in s.rt : f[1] = l /\ f[2] = d}}
    IN held \ (s.tried \cup {s.node})

\* Every node the tables know; against the ideal, every live node.
Known(s) == (IF s.mode = "ideal" THEN s.live ELSE s.known) \ (s.tried \cup {s.node})

\* -- R-JUDGE-3: the paper's rules, read as what a node MAY do -------------
Lk(s) == SharedPrefix(s.key, s.node)           \* l, the prefix the key shares

InRange(s) == Covers(s.node, LS(s), s.key)     \* R-LS-4

\* The candidates of the rare case (R-ROUTE-3): known, sharing l digits,
\* strictly closer than node.
Rare(s) == {t \in Known(s) : SharedPrefix(t, s.key) >= Lk(s) /\ MayBeCloser(t, s.node, s.key)}

\* The rule that decides the step: R-ROUTE-1 (leaf set), R-ROUTE-2 (cell
\* (l, D_l) holds a node), R-ROUTE-3 (the rare case) or R-ROUTE-4 (deliver).
Rule(s) ==
    IF InRange(s) THEN "R-ROUTE-1"
    ELSE IF CellOf(s, Lk(s), Digit(s.key, Lk(s))) # {} THEN "R-ROUTE-2"
    ELSE IF Rare(s) # {} THEN "R-ROUTE-3"
    ELSE "R-ROUTE-4"

\* R-ROUTE-1: to the member of {node} \cup leaf set closest to the key (either
\* node of an exact tie under "either"); deliver if node is one of them.
LeafOK(s) ==
    LET best == Best(s.key, Members(LS(s)) \cup {s.node})
    IN IF s.kind = "deliver" THEN s.node \in best ELSE s.to # s.node /\ s.to \in best

\* R-ROUTE-2: to one of the nodes in cell (l, D_l); never deliver.
CellOK(s) == s.kind = "hop" /\ s.to \in CellOf(s, Lk(s), Digit(s.key, Lk(s)))

\* R-ROUTE-3: a hop to any such node.  R-ROUTE-4: deliver when no known node
\* sharing l digits is surely closer.
RareOK(s) ==
    IF s.kind = "hop" THEN s.to \in Rare(s)
    ELSE ~\E t \in Known(s) : SharedPrefix(t, s.key) >= Lk(s) /\ SurelyCloser(t, s.node, s.key)

RulesPermit(s) ==
    \/ s.mode = "none"                           \* unjudged (R-JUDGE-3, R-JUDGE-8)
    \/ CASE Rule(s) = "R-ROUTE-1" -> LeafOK(s)
         [] Rule(s) = "R-ROUTE-2" -> CellOK(s)
         [] OTHER                 -> RareOK(s)

\* -- R-JUDGE-1, R-JUDGE-2, R-JUDGE-4, R-ROUTE-5 ---------------------------
\* R-JUDGE-2: a step leaves (or delivers at) a node the message reached.
PathOK(s) == s.node \in s.reached

\* R-ROUTE-5: a route never revisits a node.
NoRevisit(s) == s.kind = "deliver" \/ s.to \notin s.reached

\* R-JUDGE-4: at most MaxHops hops.
WithinBound(s) == s.kind = "deliver" \/ s.hop <= MaxHops

\* R-JUDGE-1: deliver only at a root candidate of the key among the live nodes.
RootOK(s) == s.kind = "hop" \/ s.node \in Best(s.key, s.live)

\* A route delivered again: at the same node it is not judged again; at
\* another it is a CorrectDelivery violation (R-JUDGE-1).
Again(s) == s.kind = "deliver" /\ s.delivered # {}

Permitted(s) ==
    IF Again(s) THEN s.node \in s.delivered
    ELSE /\ PathOK(s)
         /\ NoRevisit(s)
         /\ WithinBound(s)
         /\ RootOK(s)
         /\ RulesPermit(s)

\* The rule a refused step breaks (the Python judge's names).
Refusal(s) ==
    CASE Again(s)          -> "CorrectDelivery"
      [] ~PathOK(s)        -> "RoutePath"
      [] ~NoRevisit(s)     -> "R-ROUTE-5"
      [] ~WithinBound(s)   -> "HopBound"
      [] ~RootOK(s)        -> "CorrectDelivery"
      [] OTHER             -> Rule(s)

\* -- the walk ---------------------------------------------------------------
\* TLC evaluates a constant overridden by a definition (Steps <- MCSteps) at
\* each use, but a zero-arity constant-level definition once: Trace is Steps,
\* computed once.  (A 560-step trace of 64 nodes: the TLC run took 65 s with
\* Steps and Permitted evaluated twice a step, 8 s like this.)
Trace == Steps

VARIABLE i   \* how many steps are permitted so far

TraceInit == i = 0

\* One successor while the next step is permitted; none (and a print naming
\* the step and its rule) when it is not.  Permitted is evaluated once a step.
TraceNext ==
    /\ i < Len(Trace)
    /\ IF Permitted(Trace[i + 1])
       THEN i' = i + 1
       ELSE /\ PrintT(<<"trace-route-refused", i + 1, Refusal(Trace[i + 1])>>)
            /\ FALSE
=============================================================================
