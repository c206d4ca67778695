-- Impact: the reminders sent about each award's impact form, once per stage.
-- (The email itself goes through outgoing_mail with the key reminder:<reference>:<stage>.)

CREATE TABLE reminders (
    reference  TEXT NOT NULL REFERENCES forms(reference),
    stage      TEXT NOT NULL CHECK (stage IN ('due_soon', 'overdue')),
    due        TEXT,                   -- ISO date: the impact due date the reminder spoke of
    sent_at    TEXT NOT NULL,          -- when it was queued (UTC, ISO 8601)
    mail_id    INTEGER REFERENCES outgoing_mail(id),
    PRIMARY KEY (reference, stage)
);
