---------------------------- MODULE PastryRing ----------------------------
(***************************************************************************)
(* Ring arithmetic: ids, digits, shared prefixes, distances and the tie    *)
(* rule.  Owns nothing but pure operators over integers.  Rule: every      *)
(* operator here is the TLA+ twin of one method of pastry_ref/ring/ids.py  *)
(* (IdSpace) and cites the rule of spec/pastry.md it implements.           *)
(***************************************************************************)
EXTENDS Integers, FiniteSets, Sequences

CONSTANTS Bits,  \* ids are integers in [0, 2^Bits)                (R-ID-1)
          B      \* a digit has B bits; Bits is a multiple of B       (R-ID-1)

ASSUME Bits \in 1..160 /\ B \in 1..8 /\ Bits % B = 0

Size   == 2 ^ Bits
Digits == Bits \div B
Base   == 2 ^ B
Ids    == 0..(Size - 1)
None   == -1      \* "no node": helping, helper, an Announce without version

\* R-ID-2: digit i of x, counting from the most significant digit (index 0).
Digit(x, i) == (x \div (2 ^ (Bits - (i + 1) * B))) % Base

\* R-ID-3: the number of leading digits x and y share (Digits iff x = y).
RECURSIVE PrefixFrom(_, _, _)
PrefixFrom(x, y, i) ==
    IF i = Digits THEN Digits
    ELSE IF Digit(x, i) # Digit(y, i) THEN i ELSE PrefixFrom(x, y, i + 1)
SharedPrefix(x, y) == PrefixFrom(x, y, 0)

\* R-ID-4: clockwise and counter-clockwise steps, and the ring distance.
Cw(x, y)   == (y - x + Size) % Size
Ccw(x, y)  == (x - y + Size) % Size
Dist(x, y) == IF Cw(x, y) < Ccw(x, y) THEN Cw(x, y) ELSE Ccw(x, y)

\* R-ID-5: a is closer to key k than b: ring distance first, then the node
\* reached clockwise from the key (a strict total order on distinct nodes).
Closer(a, b, k) ==
    \/ Dist(a, k) < Dist(b, k)
    \/ Dist(a, k) = Dist(b, k) /\ Cw(k, a) < Cw(k, b)

\* The node of the non-empty set S closest to k (R-ID-5).
Closest(k, S) == CHOOSE a \in S : \A b \in S \ {a} : Closer(a, b, k)

Min(S) == CHOOSE x \in S : \A y \in S : x <= y

\* The set S as a sequence, ascending.
RECURSIVE SortedSeq(_)
SortedSeq(S) == IF S = {} THEN <<>> ELSE <<Min(S)>> \o SortedSeq(S \ {Min(S)})

\* The set of the elements of a sequence.
Range(s) == {s[i] : i \in DOMAIN s}
=============================================================================
