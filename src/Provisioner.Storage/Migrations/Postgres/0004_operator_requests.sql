-- What the manual power driver asks a human to do (press the power button, pick the boot device), and how it ended.
-- status: 1 pending, 2 done, 3 dismissed. A request goes with its node.
CREATE TABLE operator_requests (
    id uuid PRIMARY KEY,
    node_id uuid NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    what TEXT NOT NULL,
    instructions TEXT,
    action integer,
    boot_device integer,
    boot_persistent boolean,
    boot_mode integer,
    created_at timestamptz NOT NULL,
    job_id uuid,
    status integer NOT NULL,
    resolved_by TEXT,
    resolved_at timestamptz
);
CREATE INDEX ix_operator_requests_node ON operator_requests (node_id, status);
CREATE INDEX ix_operator_requests_status ON operator_requests (status, created_at);
