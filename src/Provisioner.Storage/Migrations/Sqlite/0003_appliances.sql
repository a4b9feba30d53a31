-- The appliances live on this database, one row per name: a name is held by one live process at a time.
CREATE TABLE appliances (
    name TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    host TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    process_started TEXT NOT NULL,
    url TEXT,
    version TEXT NOT NULL,
    started_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
