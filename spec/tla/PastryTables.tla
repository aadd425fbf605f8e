---------------------------- MODULE PastryTables ----------------------------
(***************************************************************************)
(* The routing table, the neighbourhood set and the routing decision.      *)
(* Twin of pastry_ref/tables/{routing_table,neighborhood,routing}.py.      *)
(* Rule 1: a routing table is the SET of its entries: every node fits one  *)
(* cell only (R-RT-1), so the set determines the grid.  Rule 2: nodes      *)
(* measure no network (NO_METRIC), so a cell keeps its incumbent (R-RT-2)   *)
(* and a neighbourhood is the set of the M known nodes nearest the owner   *)
(* in ring distance, then id (R-NB-1 under the constant metric).           *)
(***************************************************************************)
EXTENDS PastryLeafSet

CONSTANT M   \* neighbourhood size

Cell(o, n) == <<SharedPrefix(o, n), Digit(n, SharedPrefix(o, n))>>

\* R-RT-2: offer n; an empty cell takes it, an occupied one keeps its node.
RTInsert(o, rt, n) ==
    IF n = o \/ \E x \in rt : Cell(o, x) = Cell(o, n) THEN rt ELSE rt \cup {n}

\* Offers in ascending id order, as every caller in pastry_ref does.
RECURSIVE RTInsertAll(_, _, _)
RTInsertAll(o, rt, S) ==
    IF S = {} THEN rt ELSE RTInsertAll(o, RTInsert(o, rt, Min(S)), S \ {Min(S)})

\* Row r of the table (its entries sharing exactly r digits with o).
RTRow(o, rt, r) == {x \in rt : SharedPrefix(o, x) = r}

\* R-NB-1: the M nodes of S nearest o, ranked by (ring distance, id).
RankBefore(o, a, b) == Dist(o, a) < Dist(o, b) \/ (Dist(o, a) = Dist(o, b) /\ a < b)
RECURSIVE BestM(_, _, _)
BestM(o, S, k) ==
    IF S = {} \/ k = 0 THEN {}
    ELSE LET m == CHOOSE x \in S : \A y \in S \ {x} : RankBefore(o, x, y)
         IN {m} \cup BestM(o, S \ {m}, k - 1)
HoodInsertAll(o, hood, S) == BestM(o, (hood \cup S) \ {o}, M)

\* R-ORC-5: the ideal routing table: in every cell, the fitting live node
\* nearest the owner (ring distance, then id).
IdealRT(o, S) ==
    LET others == S \ {o}
    IN {n \in others : \A x \in others \ {n} :
            Cell(o, x) = Cell(o, n) => RankBefore(o, n, x)}

\* R-ROUTE-1..4: the routing decision for key k at owner o, as a record
\* [deliver |-> BOOLEAN, node |-> the next hop or o].
NextHop(o, ls, rt, hood, k) ==
    IF Covers(o, ls, k)
    THEN LET t == LSClosest(o, ls, k) IN [deliver |-> t = o, node |-> t]
    ELSE LET l == SharedPrefix(k, o)
             entry == {x \in rt : Cell(o, x) = <<l, Digit(k, l)>>}
         IN IF entry # {} THEN [deliver |-> FALSE, node |-> CHOOSE x \in entry : TRUE]
            ELSE LET rare == {t \in Members(ls) \cup rt \cup hood :
                                SharedPrefix(t, k) >= l /\ Closer(t, o, k)}
                 IN IF rare # {} THEN [deliver |-> FALSE, node |-> Closest(k, rare)]
                    ELSE [deliver |-> TRUE, node |-> o]
=============================================================================
