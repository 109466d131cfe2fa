CREATE TABLE `curricula` (
	`id` text PRIMARY KEY NOT NULL,
	`dataset_id` text NOT NULL,
	`name` text NOT NULL,
	`content_hash` text NOT NULL,
	`spec` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `curricula_content_hash_unique` ON `curricula` (`content_hash`);--> statement-breakpoint
CREATE TABLE `row_labels` (
	`row_id` integer PRIMARY KEY NOT NULL,
	`dataset_id` text NOT NULL,
	`label` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`row_id`) REFERENCES `dataset_rows`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `row_scores` (
	`result_id` text NOT NULL,
	`row_id` integer NOT NULL,
	`score` real NOT NULL,
	`difficulty` real NOT NULL,
	`components` text,
	PRIMARY KEY(`result_id`, `row_id`),
	FOREIGN KEY (`result_id`) REFERENCES `score_results`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`row_id`) REFERENCES `dataset_rows`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `row_tags` (
	`result_id` text NOT NULL,
	`row_id` integer NOT NULL,
	`label` text NOT NULL,
	`confidence` real NOT NULL,
	PRIMARY KEY(`result_id`, `row_id`),
	FOREIGN KEY (`result_id`) REFERENCES `tag_results`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`row_id`) REFERENCES `dataset_rows`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `score_results` (
	`id` text PRIMARY KEY NOT NULL,
	`dataset_id` text NOT NULL,
	`job_id` text NOT NULL,
	`scorer` text NOT NULL,
	`models` text NOT NULL,
	`row_count` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `tag_results` (
	`id` text PRIMARY KEY NOT NULL,
	`dataset_id` text NOT NULL,
	`job_id` text NOT NULL,
	`tagger` text NOT NULL,
	`row_count` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
