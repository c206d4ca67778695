-- The From address of a message set aside in quarantine (NULL for any other outcome), so
-- the Host can say "this is a school's address" and have the message taken in after all.
-- Also: submissions.source may now be 'web' (a form sent through the web page).

ALTER TABLE processed_mail ADD COLUMN sender TEXT;
