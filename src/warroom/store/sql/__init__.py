"""The SQL both engines run: the append transaction, the reads, the alerts,
deliveries, overrides and tokens tables, written once against `Database`
(`database.py`).  Each engine (`warroom.store.sqlite`, `warroom.store.postgres`)
supplies its connections, its write transaction, its watching and its schema."""
