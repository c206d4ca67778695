-- The lists a page counts and cuts short (Today's forms awaiting the check of each round,
-- oldest first; a round's page) and the money summed by round and school: found, counted
-- and ordered from these indexes, without reading or sorting every form (each row holds the
-- fields read, so a covering index reads far less).
CREATE INDEX forms_queue ON forms(state, form_id, round, created_at, reference);
CREATE INDEX forms_money ON forms(form_id, round, state, school, created_at, amount_requested);
