-- Full-text index over prompt and response, external content on dataset_rows (the text is stored once).
-- Triggers keep it in step with inserts, deletes (including cascades from datasets) and text updates;
-- updates of other columns (lengths, duplicate flags) do not touch it.
CREATE VIRTUAL TABLE `dataset_rows_fts` USING fts5(prompt, response, content='dataset_rows', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `dataset_rows_fts_ai` AFTER INSERT ON `dataset_rows` BEGIN
  INSERT INTO dataset_rows_fts(rowid, prompt, response) VALUES (new.id, new.prompt, new.response);
END;
--> statement-breakpoint
CREATE TRIGGER `dataset_rows_fts_ad` AFTER DELETE ON `dataset_rows` BEGIN
  INSERT INTO dataset_rows_fts(dataset_rows_fts, rowid, prompt, response) VALUES ('delete', old.id, old.prompt, old.response);
END;
--> statement-breakpoint
CREATE TRIGGER `dataset_rows_fts_au` AFTER UPDATE OF prompt, response ON `dataset_rows` BEGIN
  INSERT INTO dataset_rows_fts(dataset_rows_fts, rowid, prompt, response) VALUES ('delete', old.id, old.prompt, old.response);
  INSERT INTO dataset_rows_fts(rowid, prompt, response) VALUES (new.id, new.prompt, new.response);
END;
