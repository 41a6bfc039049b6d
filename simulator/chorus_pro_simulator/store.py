"""Optional SQLite persistence of the simulator state.

Every object (structure, service, flow, invoice...) is one JSON row of ``objects``;
deposited files and attachments are rows of ``blobs``.  The simulator writes the rows it
changes while it holds its state lock, so the file always reflects the answered calls.
"""

import json
import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS blobs (
    key TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
"""


class SqliteStore:
    def __init__(self, path):
        self.path = str(path)
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)

    def is_empty(self):
        row = self.conn.execute("SELECT COUNT(*) FROM objects").fetchone()
        return row[0] == 0

    def load(self):
        tables = {}
        for kind, key, data in self.conn.execute("SELECT kind, key, data FROM objects"):
            tables.setdefault(kind, {})[key] = json.loads(data)
        return tables

    def load_blobs(self):
        return {key: bytes(data) for key, data in self.conn.execute("SELECT key, data FROM blobs")}

    def put(self, kind, key, obj):
        self.conn.execute(
            "INSERT OR REPLACE INTO objects (kind, key, data) VALUES (?, ?, ?)",
            (kind, str(key), json.dumps(obj, ensure_ascii=False)),
        )

    def put_many(self, kind, items):
        self.conn.execute("BEGIN")
        try:
            self.conn.executemany(
                "INSERT OR REPLACE INTO objects (kind, key, data) VALUES (?, ?, ?)",
                [(kind, str(k), json.dumps(v, ensure_ascii=False)) for k, v in items],
            )
            self.conn.execute("COMMIT")
        except Exception:
            self.conn.execute("ROLLBACK")
            raise

    def delete(self, kind, key):
        self.conn.execute("DELETE FROM objects WHERE kind = ? AND key = ?", (kind, str(key)))

    def put_blob(self, key, data):
        self.conn.execute(
            "INSERT OR REPLACE INTO blobs (key, data) VALUES (?, ?)", (key, sqlite3.Binary(data))
        )

    def clear(self):
        self.conn.execute("BEGIN")
        self.conn.execute("DELETE FROM objects")
        self.conn.execute("DELETE FROM blobs")
        self.conn.execute("COMMIT")

    def close(self):
        self.conn.close()
