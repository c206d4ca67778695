"""Outgoing mail: composed by pure functions, queued in the store, sent by one sender."""
