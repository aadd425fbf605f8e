------------------------------ MODULE MCPastry ------------------------------
(***************************************************************************)
(* What pastry-ref tlc runs: the World of Pastry.tla and one watch over    *)
(* the chosen properties.  pastry_ref/tla/twin.py writes a module MC that  *)
(* EXTENDS this one and gives the constants of a scenario.  Rule: TLC      *)
(* stops reporting a state at its first violated invariant, so the         *)
(* verdicts come from Watch, an invariant that never fails and prints the  *)
(* set of properties a state violates; a second, stopping run of one       *)
(* property gives its shortest counterexample; the no-cycle parts of      *)
(* convergence are temporal properties of FairSpec, checked in a third run.*)
(***************************************************************************)
EXTENDS Pastry, TLC

CONSTANT Checked   \* names of the properties to watch (spec/invariants.md)

Holds(p) ==
    CASE p = "LSetInv"                    -> LSetInv
      [] p = "RoutingTablePrefix"         -> RoutingTablePrefix
      [] p = "HalfNeighbor"               -> HalfNeighbor
      [] p = "NeighborClosest"            -> NeighborClosest
      [] p = "Consistency"                -> Consistency
      [] p = "ConsistencyEveryKey"        -> ConsistencyEveryKey
      [] p = "CorrectDelivery"            -> CorrectDelivery
      [] p = "CorrectDeliveryAfterRepair" -> CorrectDeliveryAfterRepair
      [] p = "Converged/terminal"         -> Converged_terminal
      [] p = "AllReady/terminal"          -> AllReady_terminal
      [] p = "NoStuckMessages/terminal"   -> NoStuckMessages_terminal

Watch ==
    LET bad == {p \in Checked : ~Holds(p)}
    IN bad = {} \/ PrintT(<<"twin-violated", bad>>)

\* Convergence, part (c): no cycle avoids the goal.  Under weak fairness a
\* behaviour stutters only in a terminal state, so []<>(goal \/ terminal)
\* fails exactly on a reachable cycle of non-goal states (part (a) is the
\* terminal states' business).
FairSpec == Init /\ [][Next]_vars /\ WF_vars(Next)
Converged_nocycle == []<>(Converged \/ ~SomeEnabled)
AllReady_nocycle  == []<>(AllReady \/ ~SomeEnabled)

\* Checked first, and cheaper: every fair behaviour ends in a terminal state,
\* i.e. the reachable graph has no cycle at all.  Then no cycle avoids any goal
\* and every no-cycle property above holds.  It evaluates only SomeEnabled per
\* state, where the goals' own runs evaluate Converged (every key routed from
\* every node) in every state; they are run only when this one fails.
Terminates == []<>(~SomeEnabled)
=============================================================================
