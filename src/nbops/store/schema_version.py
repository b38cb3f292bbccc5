"""The number of schema migrations this nbops knows (see ``nbops.store.migrations``).

Kept apart so that opening an up-to-date store needs only ``sqlite3``.
"""

SCHEMA_VERSION = 14
