ALTER TABLE `dataset_rows` ADD `origin` text DEFAULT 'original' NOT NULL;--> statement-breakpoint
ALTER TABLE `dataset_rows` ADD `provenance` text;--> statement-breakpoint
ALTER TABLE `datasets` ADD `parent_id` text;