--------------------------- MODULE PastryMessages ---------------------------
(***************************************************************************)
(* The wire vocabulary: one record constructor per message type of         *)
(* pastry_ref/node/messages.py (R-MSG-1).  Rule: a record's "type" is the  *)
(* class name, so the action delivering it is "Receive" \o type; node sets *)
(* travel as sets (Python: sorted tuples), the route's givers as a         *)
(* sequence.  The failure gossip fields (LSProbe.failed, ...) are omitted: *)
(* without failures they are always empty.                                  *)
(***************************************************************************)
EXTENDS PastryRing

JoinRequestMsg(src, joiner, rows, hood, givers) ==
    [type |-> "JoinRequest", src |-> src, joiner |-> joiner, rows |-> rows,
     hood |-> hood, givers |-> givers]
JoinReplyMsg(src, ls, rows, hood, givers) ==
    [type |-> "JoinReply", src |-> src, ls |-> ls, rows |-> rows, hood |-> hood,
     givers |-> givers]
AnnounceMsg(src, version) == [type |-> "Announce", src |-> src, version |-> version]
AnnounceReplyMsg(src, ls, version) ==
    [type |-> "AnnounceReply", src |-> src, ls |-> ls, version |-> version]
LSProbeMsg(src, ls)      == [type |-> "LSProbe", src |-> src, ls |-> ls]
LSProbeReplyMsg(src, ls) == [type |-> "LSProbeReply", src |-> src, ls |-> ls]
LeaseRequestMsg(src)     == [type |-> "LeaseRequest", src |-> src]
LeaseReplyMsg(src, granted, ls) ==
    [type |-> "LeaseReply", src |-> src, granted |-> granted, ls |-> ls]
LeaseReleaseMsg(src)     == [type |-> "LeaseRelease", src |-> src]
JoinDoneMsg(src)         == [type |-> "JoinDone", src |-> src]
\* A routed message; its payload here is a lookup's id (LookupPayload).
RouteMessageMsg(src, key, id) == [type |-> "RouteMessage", src |-> src, key |-> key, id |-> id]

\* An envelope: a message on its way to dest (system/actions.py Envelope).
Env(dest, msg) == <<dest, msg>>
=============================================================================
