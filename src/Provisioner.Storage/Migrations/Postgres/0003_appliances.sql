-- The appliances live on this database, one row per name: a name is held by one live process at a time.
CREATE TABLE appliances (
    name TEXT PRIMARY KEY,
    instance_id uuid NOT NULL,
    host TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    pid integer NOT NULL,
    process_started TEXT NOT NULL,
    url TEXT,
    version TEXT NOT NULL,
    started_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
