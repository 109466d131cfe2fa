CREATE TABLE `dataset_rows` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dataset_id` text NOT NULL,
	`idx` integer NOT NULL,
	`source_line` integer NOT NULL,
	`messages` text NOT NULL,
	`source` text,
	`prompt` text NOT NULL,
	`response` text NOT NULL,
	`turns` integer NOT NULL,
	`prompt_length` integer NOT NULL,
	`response_length` integer NOT NULL,
	`content_hash` text NOT NULL,
	`is_duplicate` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dataset_rows_dataset_idx` ON `dataset_rows` (`dataset_id`,`idx`);--> statement-breakpoint
CREATE INDEX `dataset_rows_dataset_prompt_len` ON `dataset_rows` (`dataset_id`,`prompt_length`);--> statement-breakpoint
CREATE INDEX `dataset_rows_dataset_response_len` ON `dataset_rows` (`dataset_id`,`response_length`);--> statement-breakpoint
CREATE TABLE `datasets` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`original_name` text NOT NULL,
	`format` text NOT NULL,
	`row_count` integer DEFAULT 0 NOT NULL,
	`rejected_count` integer DEFAULT 0 NOT NULL,
	`duplicate_count` integer DEFAULT 0 NOT NULL,
	`length_unit` text DEFAULT 'chars' NOT NULL,
	`job_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `job_events` (
	`job_id` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`time` real NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`job_id`, `seq`),
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `job_events_job_type` ON `job_events` (`job_id`,`type`,`seq`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`name` text NOT NULL,
	`run_dir` text NOT NULL,
	`dataset_id` text,
	`spec` text NOT NULL,
	`pid` integer,
	`device` text,
	`last_seq` integer DEFAULT 0 NOT NULL,
	`events_offset` integer DEFAULT 0 NOT NULL,
	`progress` real,
	`error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`started_at` integer,
	`ended_at` integer
);
--> statement-breakpoint
CREATE INDEX `jobs_kind_created` ON `jobs` (`kind`,`created_at`);--> statement-breakpoint
CREATE TABLE `rejected_rows` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dataset_id` text NOT NULL,
	`source_line` integer NOT NULL,
	`reason` text NOT NULL,
	`raw` text NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rejected_rows_dataset` ON `rejected_rows` (`dataset_id`,`source_line`);