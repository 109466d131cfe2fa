-- Where a JSON array's element starts in the file: source_line holds its element number, which is not a line.
ALTER TABLE `dataset_rows` ADD `start_line` integer;--> statement-breakpoint
ALTER TABLE `rejected_rows` ADD `start_line` integer;