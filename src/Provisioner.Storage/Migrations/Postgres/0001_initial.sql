-- Inventory, identity, audit, boot timeline, DHCP leases and durable jobs.
-- Instants are timestamptz; GUIDs are uuid.
CREATE TABLE zones (
    id uuid PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    created_at timestamptz NOT NULL
);

CREATE TABLE bpods (
    id uuid PRIMARY KEY,
    zone_id uuid NOT NULL REFERENCES zones(id),
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (zone_id, name)
);

CREATE TABLE nodes (
    id uuid PRIMARY KEY,
    hostname TEXT NOT NULL,
    bpod_id uuid NOT NULL REFERENCES bpods(id),
    slot integer,
    state integer NOT NULL,
    state_reason TEXT,
    failed_step TEXT,
    power_state integer NOT NULL,
    interfaces TEXT NOT NULL,
    bmc TEXT,
    bmc_secret TEXT,
    facts TEXT,
    assigned_ip TEXT,
    deploy TEXT NOT NULL,
    tags TEXT NOT NULL,
    system_uuid uuid,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_nodes_hostname ON nodes (lower(hostname));
CREATE INDEX ix_nodes_bpod ON nodes (bpod_id, slot);
CREATE INDEX ix_nodes_state ON nodes (state);

-- One row per MAC: the unique key that stops a machine being enlisted twice.
CREATE TABLE node_macs (
    mac TEXT PRIMARY KEY,
    node_id uuid NOT NULL REFERENCES nodes(id) ON DELETE CASCADE
);
CREATE INDEX ix_node_macs_node ON node_macs (node_id);

CREATE TABLE node_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node_id uuid NOT NULL,
    at timestamptz NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_state integer,
    to_state integer,
    message TEXT
);
CREATE INDEX ix_node_history_node ON node_history (node_id, id);

CREATE TABLE images (
    id uuid PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    format integer NOT NULL,
    size_bytes bigint NOT NULL,
    sha256 TEXT NOT NULL,
    location TEXT NOT NULL,
    description TEXT,
    created_at timestamptz NOT NULL
);

CREATE TABLE profiles (
    id uuid PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL
);

CREATE TABLE clusters (
    id uuid PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL
);

CREATE TABLE audit_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL,
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
    updated_at timestamptz NOT NULL
);

CREATE TABLE dhcp_leases (
    address TEXT PRIMARY KEY,
    mac TEXT NOT NULL,
    client_id TEXT,
    hostname TEXT,
    bpod_id uuid,
    expires_at timestamptz NOT NULL,
    state TEXT NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX ix_dhcp_leases_mac ON dhcp_leases (mac);

CREATE TABLE template_versions (
    name TEXT NOT NULL,
    version bigint NOT NULL,
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at timestamptz NOT NULL,
    comment TEXT,
    is_active boolean NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX ux_template_active ON template_versions (name) WHERE is_active;

CREATE TABLE users (
    id uuid PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role integer NOT NULL,
    disabled boolean NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz
);

CREATE TABLE boot_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL,
    node_id uuid,
    mac TEXT,
    source integer NOT NULL,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT
);
CREATE INDEX ix_boot_events_node ON boot_events (node_id, id);
CREATE INDEX ix_boot_events_mac ON boot_events (mac, id);

CREATE TABLE jobs (
    id uuid PRIMARY KEY,
    kind TEXT NOT NULL,
    node_id uuid,
    bpod_id uuid,
    bmc_key TEXT,
    state integer NOT NULL,
    priority integer NOT NULL,
    requested_by TEXT NOT NULL,
    created_at timestamptz NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    current_step integer NOT NULL,
    error TEXT,
    parameters TEXT,
    lease_owner TEXT,
    lease_expires_at timestamptz,
    next_run_at timestamptz NOT NULL,
    cancel_requested boolean NOT NULL DEFAULT false,
    version bigint NOT NULL
);
-- At most one active (pending or running) job per node, whatever the writers do.
CREATE UNIQUE INDEX ux_jobs_active_node ON jobs (node_id) WHERE state IN (1, 2) AND node_id IS NOT NULL;
CREATE INDEX ix_jobs_claim ON jobs (state, priority DESC, created_at);
CREATE INDEX ix_jobs_node ON jobs (node_id, created_at);

CREATE TABLE job_steps (
    job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    idx integer NOT NULL,
    name TEXT NOT NULL,
    state integer NOT NULL,
    attempt integer NOT NULL,
    max_attempts integer NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    bytes_done bigint,
    bytes_total bigint,
    percent double precision,
    bytes_per_second double precision,
    message TEXT,
    error TEXT,
    checkpoint TEXT,
    PRIMARY KEY (job_id, idx)
);

CREATE TABLE job_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    step_idx integer NOT NULL,
    at timestamptz NOT NULL,
    level TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX ix_job_log_job ON job_log (job_id, id);
