"""The store contract on SQLite (a temp file) and DynamoDB (moto, in process)."""

from tests.unit.storage.store_contract import StoreContract


class TestStoreContract(StoreContract):
    """Runs every contract test with the ``harness`` fixture from conftest."""
