-- When a form's pupil details were removed under the retention policy.
ALTER TABLE forms ADD COLUMN anonymised_at TEXT;
