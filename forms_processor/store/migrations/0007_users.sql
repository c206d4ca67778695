-- The people who sign in to the web page: a name, a role, their school (for a SENCO)
-- and an argon2 hash of their password (never the password itself).
CREATE TABLE users (
    name          TEXT PRIMARY KEY COLLATE NOCASE,
    role          TEXT NOT NULL CHECK (role IN ('host', 'working-party', 'finance', 'viewer', 'school')),
    school        TEXT,                   -- the configured school's name, for the school role
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((role = 'school') = (school IS NOT NULL))
);
