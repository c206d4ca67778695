-- The core: every file received, every form read from one, its messages,
-- its state, the append-only history, references, and the outgoing mail queue.

CREATE TABLE submissions (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT NOT NULL,
    file_name     TEXT NOT NULL,          -- sanitised name, as the sender called it
    source        TEXT NOT NULL,          -- folder | email | eml | cli
    sender        TEXT,                   -- email address, when known
    subject       TEXT,
    message_id    TEXT,
    received_at   TEXT NOT NULL,          -- ISO 8601, UTC
    size          INTEGER NOT NULL,
    archive_path  TEXT,                   -- relative to the home: the kept original
    status        TEXT NOT NULL CHECK (status IN ('accepted', 'invalid', 'rejected', 'duplicate')),
    reason        TEXT,                   -- rejected/duplicate: short code
    reason_text   TEXT,                   -- rejected: the message for the school
    duplicate_of  INTEGER REFERENCES submissions(id),
    form_ref      TEXT,                   -- the reference given, when a form was read
    created_at    TEXT NOT NULL
);
CREATE INDEX submissions_sha ON submissions(sha256);

CREATE TABLE forms (
    reference        TEXT PRIMARY KEY,    -- WVC-2627-AU2-014
    form_id          TEXT NOT NULL,       -- send-application | send-impact
    submission_id    INTEGER NOT NULL REFERENCES submissions(id),
    school           TEXT,                -- configured name, when matched
    round            TEXT,                -- configured round name
    state            TEXT NOT NULL,
    intervention     TEXT,                -- title, for lists and supersession
    amount_requested TEXT,                -- Decimal as text
    senco_email      TEXT,
    linked_ref       TEXT,                -- impact: the application it reports on; application: continuation_of
    superseded_by    TEXT REFERENCES forms(reference),
    reader           TEXT,
    fields_json      TEXT NOT NULL,       -- normalised fields (spec keys, rows as lists)
    raw_json         TEXT NOT NULL,       -- the values as read, before validation
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX forms_state ON forms(state);
CREATE INDEX forms_round ON forms(round);
CREATE INDEX forms_school ON forms(school);
CREATE INDEX forms_linked ON forms(linked_ref);

CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    reference  TEXT NOT NULL REFERENCES forms(reference),
    field      TEXT NOT NULL,
    label      TEXT NOT NULL,
    severity   TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
    message    TEXT NOT NULL
);
CREATE INDEX messages_ref ON messages(reference);

-- Append-only: who, when, from state, to state, why.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    reference     TEXT,
    submission_id INTEGER REFERENCES submissions(id),
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    from_state    TEXT,
    to_state      TEXT,
    action        TEXT NOT NULL,
    reason        TEXT
);
CREATE INDEX events_ref ON events(reference);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

-- The last sequence number given for each prefix (WVC-2627-AU2): never reused.
CREATE TABLE reference_counters (
    prefix TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
);

-- One queue for every email that leaves the system.
CREATE TABLE outgoing_mail (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL UNIQUE, -- the same key is never queued (or sent) twice
    kind            TEXT NOT NULL,        -- ack-accepted | ack-invalid | ack-rejected | returned | response | reminder | ...
    reference       TEXT,
    to_addrs        TEXT NOT NULL,        -- JSON list
    cc_addrs        TEXT NOT NULL DEFAULT '[]',
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    attachments     TEXT NOT NULL DEFAULT '[]',  -- JSON list of paths relative to the home
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    sent_via        TEXT                  -- smtp | file:<path>
);
CREATE INDEX outgoing_mail_due ON outgoing_mail(status, next_attempt_at);

-- The Working Party's decisions. The latest row of a reference is the one in force;
-- a correction is a new row that names the one it replaces, with a reason.
CREATE TABLE decisions (
    id                    INTEGER PRIMARY KEY,
    reference             TEXT NOT NULL REFERENCES forms(reference),
    decision              TEXT NOT NULL,      -- a decision state: approved, declined, ...
    amount_awarded        TEXT NOT NULL,      -- Decimal as text, "0.00" when nothing is awarded
    conditions            TEXT,
    feedback              TEXT,
    information_requested TEXT,
    resubmit_by           TEXT,               -- ISO date
    deferred_to           TEXT,               -- round name
    meeting_date          TEXT,               -- ISO date
    impact_due            TEXT,               -- ISO date, for decisions that award money
    decided_at            TEXT NOT NULL,
    decided_by            TEXT NOT NULL,
    replaces              INTEGER REFERENCES decisions(id),
    reason                TEXT                -- why a decision was corrected
);
CREATE INDEX decisions_ref ON decisions(reference);

-- Exceptions the Host records to a rule (e.g. the £10,000 high-level SEND rule).
CREATE TABLE host_exceptions (
    id         INTEGER PRIMARY KEY,
    reference  TEXT NOT NULL REFERENCES forms(reference),
    rule       TEXT NOT NULL,
    reason     TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
