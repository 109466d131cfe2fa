CREATE TABLE `prompt_templates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`task_type` text NOT NULL,
	`version` integer NOT NULL,
	`name` text NOT NULL,
	`text` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `prompt_templates_scope_version` ON `prompt_templates` (`kind`,`task_type`,`version`);