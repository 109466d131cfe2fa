-- A resumed job runs again in the same row: started_at/ended_at hold the current attempt, this the time of the
-- attempts before it, so a run's duration counts every attempt.
ALTER TABLE `jobs` ADD `earlier_attempts_ms` integer DEFAULT 0 NOT NULL;
