-- What the manual power driver asks a human to do (press the power button, pick the boot device), and how it ended.
-- status: 1 pending, 2 done, 3 dismissed. A request goes with its node.
CREATE TABLE operator_requests (
    id TEXT PRIMARY KEY,
    node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    what TEXT NOT NULL,
    instructions TEXT,
    action INTEGER,
    boot_device INTEGER,
    boot_persistent INTEGER,
    boot_mode INTEGER,
    created_at TEXT NOT NULL,
    job_id TEXT,
    status INTEGER NOT NULL,
    resolved_by TEXT,
    resolved_at TEXT
);
CREATE INDEX ix_operator_requests_node ON operator_requests (node_id, status);
CREATE INDEX ix_operator_requests_status ON operator_requests (status, created_at);
