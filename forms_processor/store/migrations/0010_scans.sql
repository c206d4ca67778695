-- A form read from a scan or photo by OCR: the confidence of each value read (JSON: flat key ->
-- 0-100), and who confirmed the values, and when. NULL for a form read from a Word or PDF file.
ALTER TABLE forms ADD COLUMN scan_json TEXT;
ALTER TABLE forms ADD COLUMN scan_confirmed_at TEXT;
ALTER TABLE forms ADD COLUMN scan_confirmed_by TEXT;
