-- The lists a page counts and cuts short (Today's forms awaiting the check of each round,
-- oldest first; a round's page, oldest first) and the money summed by round and school: found, counted
-- and ordered from these indexes, without reading or sorting every form (each row holds the
-- fields read, so a covering index reads far less).
CREATE INDEX forms_queue ON forms(state, form_id, round, created_at, reference);
CREATE INDEX forms_round_order ON forms(form_id, round, created_at, reference, state, school, amount_requested);
-- When the latest form arrived, read from the index at once: before a round's deadline no
-- form of it can be late, and Today need not look.
CREATE INDEX submissions_received ON submissions(julianday(received_at));
