-- Inventory, identity, audit, boot timeline, DHCP leases and durable jobs.
-- Instants are ISO-8601 UTC text (fixed width, so they sort); GUIDs are canonical text.
CREATE TABLE zones (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE bpods (
    id TEXT PRIMARY KEY,
    zone_id TEXT NOT NULL REFERENCES zones(id),
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (zone_id, name)
);

CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    hostname TEXT NOT NULL,
    bpod_id TEXT NOT NULL REFERENCES bpods(id),
    slot INTEGER,
    state INTEGER NOT NULL,
    state_reason TEXT,
    failed_step TEXT,
    power_state INTEGER NOT NULL,
    interfaces TEXT NOT NULL,
    bmc TEXT,
    bmc_secret TEXT,
    facts TEXT,
    assigned_ip TEXT,
    deploy TEXT NOT NULL,
    tags TEXT NOT NULL,
    system_uuid TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_nodes_hostname ON nodes (lower(hostname));
CREATE INDEX ix_nodes_bpod ON nodes (bpod_id, slot);
CREATE INDEX ix_nodes_state ON nodes (state);

-- One row per MAC: the unique key that stops a machine being enlisted twice.
CREATE TABLE node_macs (
    mac TEXT PRIMARY KEY,
    node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE
);
CREATE INDEX ix_node_macs_node ON node_macs (node_id);

CREATE TABLE node_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    node_id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_state INTEGER,
    to_state INTEGER,
    message TEXT
);
CREATE INDEX ix_node_history_node ON node_history (node_id, id);

CREATE TABLE images (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    format INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    location TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE profiles (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL
);

CREATE TABLE clusters (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL
);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    source TEXT,
    details TEXT
);
CREATE INDEX ix_audit_object ON audit_events (object_type, object_id, id);

CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE dhcp_leases (
    address TEXT PRIMARY KEY,
    mac TEXT NOT NULL,
    client_id TEXT,
    hostname TEXT,
    bpod_id TEXT,
    expires_at TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_dhcp_leases_mac ON dhcp_leases (mac);

CREATE TABLE template_versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    comment TEXT,
    is_active INTEGER NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX ux_template_active ON template_versions (name) WHERE is_active;

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role INTEGER NOT NULL,
    disabled INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    last_used_at TEXT
);

CREATE TABLE boot_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    node_id TEXT,
    mac TEXT,
    source INTEGER NOT NULL,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT
);
CREATE INDEX ix_boot_events_node ON boot_events (node_id, id);
CREATE INDEX ix_boot_events_mac ON boot_events (mac, id);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    node_id TEXT,
    bpod_id TEXT,
    bmc_key TEXT,
    state INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    requested_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    current_step INTEGER NOT NULL,
    error TEXT,
    parameters TEXT,
    lease_owner TEXT,
    lease_expires_at TEXT,
    next_run_at TEXT NOT NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL
);
-- At most one active (pending or running) job per node, whatever the writers do.
CREATE UNIQUE INDEX ux_jobs_active_node ON jobs (node_id) WHERE state IN (1, 2) AND node_id IS NOT NULL;
CREATE INDEX ix_jobs_claim ON jobs (state, priority DESC, created_at);
CREATE INDEX ix_jobs_node ON jobs (node_id, created_at);

CREATE TABLE job_steps (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    state INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    bytes_done INTEGER,
    bytes_total INTEGER,
    percent REAL,
    bytes_per_second REAL,
    message TEXT,
    error TEXT,
    checkpoint TEXT,
    PRIMARY KEY (job_id, idx)
);

CREATE TABLE job_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    step_idx INTEGER NOT NULL,
    at TEXT NOT NULL,
    level TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX ix_job_log_job ON job_log (job_id, id);
