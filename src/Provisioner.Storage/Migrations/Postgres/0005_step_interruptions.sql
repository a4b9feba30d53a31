-- How often each step was cut off by its appliance stopping mid-step: past the engine's limit it is not run again (a step
-- that stops the process every time would otherwise crash-loop the appliance). A retry of the job resets it.
ALTER TABLE job_steps ADD COLUMN interruptions integer NOT NULL DEFAULT 0;
-- Set when the appliance stopped the step for its own shutdown (announced, not a crash): the next run is not counted.
ALTER TABLE job_steps ADD COLUMN stopped_cleanly boolean NOT NULL DEFAULT false;
