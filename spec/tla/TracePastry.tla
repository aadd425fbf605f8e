----------------------------- MODULE TracePastry -----------------------------
(***************************************************************************)
(* Trace validation (the technique of etcd-raft's Traceetcdraft.tla): is a *)
(* recorded trace of our World a behaviour of the twin?  The trace is a     *)
(* constant: a sequence of observations, each the action taken and what    *)
(* the trace shows of the state (pastry_ref/check/model.py state_vars: the  *)
(* started nodes' status, leaf-set halves, routing table and join           *)
(* bookkeeping; the network; the budgets).  What it does not show (the      *)
(* neighbourhood, the helper) TLC is free to choose.  Rule: the trace is    *)
(* accepted iff TLC reaches depth Len(Trace) (pastry_ref/tla/trace.py      *)
(* reads the depth); a shorter depth names the first step the twin cannot  *)
(* take.                                                                    *)
(***************************************************************************)
EXTENDS Pastry

CONSTANT Trace   \* <<[action, nodes, net, joinsLeft, requestsLeft], ...>>

VARIABLE i       \* how many observations have been matched

\* A node field as the trace names it.
Field(n, f) ==
    CASE f = "left"  -> n.ls.left
      [] f = "right" -> n.ls.right
      [] f = "table" -> n.rt
      [] OTHER       -> n[f]

Matches(nd, nt, jl, rl, t) ==
    /\ {x \in Nodes : nd[x].status # "dead"} = DOMAIN t.nodes
    /\ \A x \in DOMAIN t.nodes : \A f \in DOMAIN t.nodes[x] : Field(nd[x], f) = t.nodes[x][f]
    /\ nt = t.net
    /\ jl = t.joinsLeft
    /\ rl = t.requestsLeft

\* The twin's action of a name the trace records (mbt::actionTaken).
Act(a) ==
    CASE a = "Join"                 -> Join
      [] a = "Lookup"               -> Lookup
      [] a = "ReceiveJoinRequest"   -> ReceiveJoinRequest
      [] a = "ReceiveJoinReply"     -> ReceiveJoinReply
      [] a = "ReceiveAnnounce"      -> ReceiveAnnounce
      [] a = "ReceiveAnnounceReply" -> ReceiveAnnounceReply
      [] a = "ReceiveLSProbe"       -> ReceiveLSProbe
      [] a = "ReceiveLSProbeReply"  -> ReceiveLSProbeReply
      [] a = "ReceiveLeaseRequest"  -> ReceiveLeaseRequest
      [] a = "ReceiveLeaseReply"    -> ReceiveLeaseReply
      [] a = "ReceiveLeaseRelease"  -> ReceiveLeaseRelease
      [] a = "ReceiveJoinDone"      -> ReceiveJoinDone
      [] a = "ReceiveRouteMessage"  -> ReceiveRouteMessage
      [] OTHER                      -> FALSE

TraceInit ==
    /\ Init
    /\ i = 1
    /\ Matches(node, net, joinsLeft, requestsLeft, Trace[1])

TraceNext ==
    /\ i < Len(Trace)
    /\ Act(Trace[i + 1].action)
    /\ Matches(node', net', joinsLeft', requestsLeft', Trace[i + 1])
    /\ i' = i + 1
=============================================================================
