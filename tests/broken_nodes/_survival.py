"""The survival nodes' common part: our node, until the lookup with id ``TRIGGER`` arrives;
then the script's ``misbehave`` takes over."""

from __future__ import annotations

import json
from collections.abc import Callable

from pastry_ref.conform.node_server import NodeServer, serve

TRIGGER = 3


class Misbehaving(NodeServer):
    def __init__(self, misbehave: Callable[[NodeServer], list[str]]) -> None:
        super().__init__()
        self.misbehave = misbehave

    def handle(self, line: str) -> list[str]:
        try:
            body = json.loads(line).get("body", {})
        except ValueError:
            body = {}
        if body.get("type") == "lookup" and body.get("id") == TRIGGER:
            return self.misbehave(self)
        return super().handle(line)


def run(misbehave: Callable[[NodeServer], list[str]]) -> int:
    return serve(server=Misbehaving(misbehave))
