CREATE TABLE `pipeline_steps` (
	`pipeline_id` text NOT NULL,
	`round` integer NOT NULL,
	`position` integer NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`job_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`message` text,
	`output` text,
	`frozen` text DEFAULT '[]' NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	PRIMARY KEY(`pipeline_id`, `round`, `position`),
	FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `pipeline_steps_job` ON `pipeline_steps` (`job_id`);--> statement-breakpoint
CREATE TABLE `pipelines` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`settings` text NOT NULL,
	`settings_hash` text NOT NULL,
	`message` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL
);
