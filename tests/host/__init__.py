"""Tests of the Host's work: check, pack, decide, respond, status."""
