CREATE TABLE `teacher_caches` (
	`id` text PRIMARY KEY NOT NULL,
	`dataset_id` text NOT NULL,
	`teacher` text NOT NULL,
	`max_length` integer NOT NULL,
	`max_prompt_length` integer NOT NULL,
	`top_k` integer NOT NULL,
	`rows` integer NOT NULL,
	`tokens` integer,
	`bytes` integer,
	`key` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `teacher_caches_dataset` ON `teacher_caches` (`dataset_id`);