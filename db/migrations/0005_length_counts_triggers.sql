-- dataset_length_counts is a cache of the length histograms: rows added outside an import, or lengths
-- rewritten (token counts), clear the dataset's counts; the next histogram read recomputes them. An import
-- writes the counts itself when it finishes, so its inserts skip both this and the FTS trigger.
DROP TRIGGER `dataset_rows_fts_ai`;
--> statement-breakpoint
CREATE TRIGGER `dataset_rows_fts_ai` AFTER INSERT ON `dataset_rows`
WHEN (SELECT status FROM datasets WHERE id = new.dataset_id) IS NOT 'importing' BEGIN
  INSERT INTO dataset_rows_fts(rowid, prompt, response) VALUES (new.id, new.prompt, new.response);
  DELETE FROM dataset_length_counts WHERE dataset_id = new.dataset_id;
END;
--> statement-breakpoint
CREATE TRIGGER `dataset_rows_lengths_au` AFTER UPDATE OF prompt_length, response_length ON `dataset_rows` BEGIN
  DELETE FROM dataset_length_counts WHERE dataset_id = new.dataset_id;
END;
