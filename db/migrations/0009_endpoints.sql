CREATE TABLE `endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`base_url` text NOT NULL,
	`model` text NOT NULL,
	`max_concurrency` integer NOT NULL,
	`request_timeout_s` integer NOT NULL,
	`input_price_per_m` real,
	`output_price_per_m` real,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
