-- Bulk imports: the two length indexes took inserts all over (rows arrive in file order, not length order) and
-- cost more than the rows themselves; the histograms read dataset_length_counts, which the import fills and a
-- lengths job refreshes, and otherwise scan the dataset's rows once.
DROP INDEX `dataset_rows_dataset_prompt_len`;--> statement-breakpoint
DROP INDEX `dataset_rows_dataset_response_len`;--> statement-breakpoint
-- FTS5 keeps up to this many bytes of pending terms in memory before writing a segment (default 1 MB, so an
-- import batch of a few MB of text became several small segments, each merged again later). Persistent config.
INSERT INTO `dataset_rows_fts`(`dataset_rows_fts`, `rank`) VALUES ('hashsize', 33554432);
