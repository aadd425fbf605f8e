#!/usr/bin/env python3
"""A minimal node for the pastry_ref conformance harness, in plain Python (no dependencies).

Copy it into another language: it is the whole node protocol of spec/conformance.md in one
file. It is *not* a full Pastry: every node learns the whole membership (the join's seed sends
it, the joiner greets every member and waits for their answers before it says it is ready), and
computes its leaf set and routing table from that membership. It routes by the paper's rules
over those tables (leaf set, then R[l][D_l], then the rare case, else deliver), pings every
member on each of the harness's ticks and forgets one that stays silent (a crash), and says
goodbye when it leaves. On the harness's default schedules it is judged valid.

    pastry-ref conform --bin "python3 examples/minimal_node.py" --nodes 6 --seed 1

Its own messages between nodes are named ``mn_*``; the harness passes them on unread.
"""

import json
import sys

SUSPECT_TICKS = 3  # ticks without a word from a member before it is taken for crashed
JOIN_PATIENCE = 5  # ticks a joiner waits for greetings to be answered before it goes ahead


class Node:
    def __init__(self):
        self.me = None  # my id as an integer
        self.members = set()  # every node I believe is in the ring, me included
        self.ready = False
        self.waiting = set()  # members whose answer to my greeting I still wait for
        self.join_msg = None
        self.join_ticks = 0
        self.buffer = []  # routed lookups that arrived before I was ready
        self.now = 0
        self.heard = {}  # member -> the tick I last heard from it
        self.left = set()  # nodes that said goodbye: never members again
        self.out = []

    # -- ids ----------------------------------------------------------------------------
    def hex(self, x):
        return format(x, f"0{(self.bits + 3) // 4}x")

    def digit(self, x, i):
        return (x >> (self.bits - (i + 1) * self.b)) & ((1 << self.b) - 1)

    def shl(self, x, y):  # shared prefix length in digits
        n = 0
        while n < self.bits // self.b and self.digit(x, n) == self.digit(y, n):
            n += 1
        return n

    def closeness(self, node, key):  # ring distance, then the node clockwise of the key
        cw = (node - key) % self.size
        return (min(cw, self.size - cw), cw)

    # -- tables, computed from the membership --------------------------------------------
    def leaf_set(self):
        others = [m for m in self.members if m != self.me]
        left = sorted(others, key=lambda m: (self.me - m) % self.size)[: self.half]
        right = sorted(others, key=lambda m: (m - self.me) % self.size)[: self.half]
        return left, right

    def routing_table(self):
        rows = [[[] for _ in range(1 << self.b)] for _ in range(self.bits // self.b)]
        for m in sorted(self.members):
            if m != self.me:
                r = self.shl(m, self.me)
                cell = rows[r][self.digit(m, r)]
                if not cell:
                    cell.append(m)
        return rows

    def covers(self, key, left, right):
        if set(left) & set(right):
            return True
        ccw_edge = (self.me - left[-1]) % self.size if left else 0
        cw_edge = (right[-1] - self.me) % self.size if right else 0
        return (self.me - key) % self.size <= ccw_edge or (key - self.me) % self.size <= cw_edge

    def tables(self):
        left, right = self.leaf_set()
        return {
            "leaf_set": {
                "left": [self.hex(x) for x in left],
                "right": [self.hex(x) for x in right],
            },
            "routing_table": [
                [[self.hex(x) for x in c] for c in row] for row in self.routing_table()
            ],
        }

    def next_hop(self, key):
        """None to deliver here, else the node to forward to (the paper's routing rules)."""
        left, right = self.leaf_set()
        if self.covers(key, left, right):
            best = min([self.me, *left, *right], key=lambda n: self.closeness(n, key))
            return None if best == self.me else best
        table = self.routing_table()
        row = self.shl(key, self.me)  # the paper's l: the prefix the key shares with me
        cell = table[row][self.digit(key, row)]
        if cell:
            return cell[0]
        known = set(left) | set(right) | {m for row in table for c in row for m in c}
        mine = self.closeness(self.me, key)
        rare = [t for t in known if self.shl(t, key) >= row and self.closeness(t, key) < mine]
        return min(rare, key=lambda n: self.closeness(n, key)) if rare else None

    # -- output -------------------------------------------------------------------------
    def send(self, dest, body):
        self.out.append(json.dumps({"src": self.hex(self.me), "dest": dest, "body": body}))

    def to_node(self, node, body):
        self.send(self.hex(node), body)

    def report(self, body):
        self.send("harness", body)

    # -- membership -----------------------------------------------------------------------
    def add(self, m):
        if m not in self.members:
            self.members.add(m)
            self.heard[m] = self.now

    def remove(self, m):
        self.members.discard(m)
        self.heard.pop(m, None)
        self.waiting.discard(m)

    def become_ready(self):
        self.ready = True
        self.report({"type": "join_ok", "in_reply_to": self.join_msg})
        waiting, self.buffer = self.buffer, []
        for key, ident in waiting:
            self.route(key, ident)

    # -- routing ----------------------------------------------------------------------------
    def route(self, key, ident):
        hop = self.next_hop(key)
        if hop is None:
            self.report({"type": "deliver", "id": ident, "key": self.hex(key)})
            return
        self.report(
            {
                "type": "forward",
                "id": ident,
                "key": self.hex(key),
                "next": self.hex(hop),
                "tables": self.tables(),
            }
        )
        self.to_node(hop, {"type": "mn_route", "key": self.hex(key), "id": ident})

    # -- one input line ---------------------------------------------------------------------
    def handle(self, env):
        src, body = env["src"], env["body"]
        kind = body["type"]
        if kind == "init":
            self.bits, self.b = body["bits"], body["b"]
            self.size, self.half = 1 << self.bits, body["leaf_set_size"] // 2
            self.me = int(body["node_id"], 16)
            self.members = {self.me}
            self.report({"type": "init_ok", "in_reply_to": body.get("msg_id")})
        elif src == "harness":
            self.from_harness(kind, body)
        else:
            self.from_node(int(src, 16), kind, body)
        self.send("harness", {"type": "done"})

    def from_harness(self, kind, body):
        if kind == "join":
            self.join_msg = body.get("msg_id")
            if body.get("seed") is None:
                self.become_ready()
            else:
                self.to_node(int(body["seed"], 16), {"type": "mn_join"})
        elif kind == "lookup":
            self.route(int(body["key"], 16), body["id"])
        elif kind == "leave":
            for m in sorted(self.members - {self.me}):
                self.to_node(m, {"type": "mn_bye"})
            self.members = {self.me}
            self.ready = False
            self.report({"type": "leave_ok", "in_reply_to": body.get("msg_id")})
        elif kind == "snapshot":
            body_out = {"type": "snapshot_ok", "in_reply_to": body.get("msg_id")}
            body_out["status"] = "ready" if self.ready else "wait"
            body_out.update(self.tables())
            self.report(body_out)
        elif kind == "tick":
            self.tick()

    def from_node(self, src, kind, body):
        if src in self.left:
            return  # a late or duplicated message from a node that said goodbye
        if self.ready and kind != "mn_bye":
            self.add(src)  # whoever speaks is alive
        self.heard[src] = self.now
        if kind == "mn_join":
            self.to_node(
                src, {"type": "mn_members", "members": [self.hex(m) for m in self.members]}
            )
        elif kind == "mn_members":
            if self.ready or self.waiting:
                return  # a duplicate
            for m in body["members"]:
                self.add(int(m, 16))
            self.waiting = self.members - {self.me}
            for m in sorted(self.waiting):
                self.to_node(m, {"type": "mn_hello"})
        elif kind == "mn_hello":
            self.add(src)
            self.to_node(src, {"type": "mn_hello_ok"})
        elif kind == "mn_hello_ok":
            if src in self.waiting:
                self.waiting.discard(src)
                if not self.waiting and not self.ready:
                    self.become_ready()
        elif kind == "mn_route":
            if self.ready:
                self.route(int(body["key"], 16), body["id"])
            else:
                self.buffer.append((int(body["key"], 16), body["id"]))
        elif kind == "mn_bye":
            self.remove(src)
            self.left.add(src)
        elif kind == "mn_ping":
            self.to_node(src, {"type": "mn_pong"})

    def tick(self):
        self.now += 1
        if not self.ready:
            if self.waiting:
                self.join_ticks += 1
                if self.join_ticks >= JOIN_PATIENCE:
                    self.waiting = set()
                    self.become_ready()
            return
        for m in sorted(self.members - {self.me}):
            if self.now - self.heard.get(m, self.now) > SUSPECT_TICKS:
                self.remove(m)  # silent too long: crashed (it comes back if it speaks again)
            else:
                self.to_node(m, {"type": "mn_ping"})


def main():
    node = Node()
    for line in sys.stdin:
        if line.strip():
            node.out = []
            node.handle(json.loads(line))
            sys.stdout.write("\n".join(node.out) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
