-- Which appliance ran each step's latest attempt (shown with the step; a takeover after a crash is visible).
ALTER TABLE job_steps ADD COLUMN ran_by TEXT;
