--------------------------- MODULE PastryLeafSet ---------------------------
(***************************************************************************)
(* The leaf set of one node: two halves, each a sequence of at most Half   *)
(* nodes, closest first (left: counter-clockwise, right: clockwise).       *)
(* Twin of pastry_ref/tables/leaf_set.py.  Rule: a leaf set is the pair    *)
(* <<left, right>> of a record [left, right]; its owner is passed in.       *)
(***************************************************************************)
EXTENDS PastryRing

CONSTANT Half   \* L/2

ASSUME Half \in Nat /\ Half >= 1

EmptyLS == [left |-> <<>>, right |-> <<>>]

\* The k nodes of S (owner excluded) nearest to o by the distance d, closest
\* first (distinct nodes have distinct distances on one side).
RECURSIVE Nearest(_, _, _, _)
Nearest(o, S, k, cw) ==
    LET T == S \ {o}
        d(x) == IF cw THEN Cw(o, x) ELSE Ccw(o, x)
    IN IF T = {} \/ k = 0 THEN <<>>
       ELSE LET m == CHOOSE x \in T : \A y \in T : d(x) <= d(y)
            IN <<m>> \o Nearest(o, T \ {m}, k - 1, cw)

Members(ls) == Range(ls.left) \cup Range(ls.right)

\* R-LS-2: each side keeps the Half nearest on that side among all members
\* and the new nodes.
AddAll(o, ls, new) ==
    LET pool == Members(ls) \cup new
    IN [left |-> Nearest(o, pool, Half, FALSE), right |-> Nearest(o, pool, Half, TRUE)]

\* R-LS-3: drop a node from both halves; the slot stays empty.
Remove(ls, n) ==
    [left |-> SelectSeq(ls.left, LAMBDA x : x # n),
     right |-> SelectSeq(ls.right, LAMBDA x : x # n)]

Overlaps(ls) == Range(ls.left) \cap Range(ls.right) # {}

\* R-LS-7: complete when both halves are full or they overlap.
IsComplete(ls) == (Len(ls.left) = Half /\ Len(ls.right) = Half) \/ Overlaps(ls)

\* R-LS-4: the leaf-set range, the whole ring when the halves overlap.
Covers(o, ls, k) ==
    \/ Overlaps(ls)
    \/ Ccw(o, k) <= (IF ls.left = <<>> THEN 0 ELSE Ccw(o, ls.left[Len(ls.left)]))
    \/ Cw(o, k) <= (IF ls.right = <<>> THEN 0 ELSE Cw(o, ls.right[Len(ls.right)]))

\* R-LS-5: the node of owner and members closest to k.
LSClosest(o, ls, k) == Closest(k, Members(ls) \cup {o})

\* The nearest node on each side (state.immediate_neighbours).
Immediate(ls) ==
    (IF ls.left = <<>> THEN {} ELSE {ls.left[1]}) \cup
    (IF ls.right = <<>> THEN {} ELSE {ls.right[1]})

\* R-ORC-2: the ideal leaf set of o over the live nodes S.
IdealLS(o, S) == AddAll(o, EmptyLS, S)
=============================================================================
