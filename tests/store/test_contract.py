"""The Store contract, run against every backend of the `store` fixture."""

from tests.store.contract import StoreContract


class TestStoreContract(StoreContract):
    """Each test runs once per backend in tests/store/conftest.py:BACKENDS."""
