CREATE TABLE `eval_answers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`evaluation_id` text NOT NULL,
	`suite` text NOT NULL,
	`item_id` text NOT NULL,
	`category` text,
	`turn` integer NOT NULL,
	`seed` integer,
	`prompt` text NOT NULL,
	`answer` text NOT NULL,
	`reference` text,
	`score` real,
	`judge_explanation` text,
	`passed` integer,
	`details` text,
	FOREIGN KEY (`evaluation_id`) REFERENCES `evaluations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `eval_answers_item` ON `eval_answers` (`evaluation_id`,`suite`,`item_id`,`turn`,`seed`);--> statement-breakpoint
CREATE TABLE `eval_suites` (
	`evaluation_id` text NOT NULL,
	`suite` text NOT NULL,
	`items` integer NOT NULL,
	`unparsed` integer,
	`metrics` text NOT NULL,
	`by_category` text,
	PRIMARY KEY(`evaluation_id`, `suite`),
	FOREIGN KEY (`evaluation_id`) REFERENCES `evaluations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `evaluations` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text,
	`model_key` text NOT NULL,
	`role` text NOT NULL,
	`model_label` text NOT NULL,
	`settings` text NOT NULL,
	`judge` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`run_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `evaluations_run` ON `evaluations` (`run_id`);--> statement-breakpoint
CREATE INDEX `evaluations_model` ON `evaluations` (`model_key`);