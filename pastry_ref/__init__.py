"""pastry_ref: a formally checked, sans-IO reference implementation of Pastry."""

from pastry_ref.errors import ConfigError, InvalidId, PastryRefError, RoutingTableError
from pastry_ref.ring.config import Config
from pastry_ref.ring.ids import MAX_BITS, IdSpace

__all__ = [
    "MAX_BITS",
    "Config",
    "ConfigError",
    "IdSpace",
    "InvalidId",
    "PastryRefError",
    "RoutingTableError",
]
