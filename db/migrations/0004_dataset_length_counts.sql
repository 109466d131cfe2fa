CREATE TABLE `dataset_length_counts` (
	`dataset_id` text NOT NULL,
	`field` text NOT NULL,
	`length` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`dataset_id`, `field`, `length`),
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
