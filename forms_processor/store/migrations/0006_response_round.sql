-- The funding round each response answered: the application's round when the response
-- was written. A deferred application then moves to the round it was deferred to, so
-- its round at any later time is not the round that decided it.
-- Responses written before this column existed keep the application's present round.
ALTER TABLE responses ADD COLUMN round TEXT;
UPDATE responses SET round = (SELECT f.round FROM forms f WHERE f.reference = responses.reference);
