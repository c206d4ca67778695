-- Response forms written for the Working Party's decisions, one row per sending.
-- The first sending of a decision is keyed 'response:<decision id>'; a deliberate
-- resend gets a new key. The email itself lives in outgoing_mail (the one queue).

CREATE TABLE responses (
    id          INTEGER PRIMARY KEY,
    reference   TEXT NOT NULL REFERENCES forms(reference),
    decision_id INTEGER NOT NULL REFERENCES decisions(id),
    dedupe_key  TEXT NOT NULL UNIQUE,
    docx_path   TEXT NOT NULL,              -- relative to the home
    pdf_path    TEXT NOT NULL,              -- relative to the home
    mail_id     INTEGER REFERENCES outgoing_mail(id),
    resend      INTEGER NOT NULL DEFAULT 0, -- 1 for a deliberate resend
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX responses_ref ON responses(reference);
CREATE INDEX responses_decision ON responses(decision_id);
