-- The school mailbox: every message seen, by folder, UIDVALIDITY and UID, so a message
-- is processed once even when moving it fails or two polls overlap.
-- A poll claims the row first (outcome 'processing'); the outcome is written after
-- the forms of the message are committed.

CREATE TABLE processed_mail (
    mailbox      TEXT NOT NULL,           -- account and folder: user@host/INBOX
    uidvalidity  TEXT NOT NULL,
    uid          TEXT NOT NULL,
    message_id   TEXT,
    outcome      TEXT NOT NULL,           -- processing | ingested | no-attachment | quarantined | failed
    processed_at TEXT NOT NULL,
    detail       TEXT,                    -- references, or why (never form contents)
    moved        INTEGER NOT NULL DEFAULT 0,  -- 1 once the message was moved to its folder
    PRIMARY KEY (mailbox, uidvalidity, uid)
);
CREATE INDEX processed_mail_outcome ON processed_mail(outcome);
