"""The Store contract and its backends."""

from warroom.store.base import Store

__all__ = ["Store"]
