"""Reading ahead: a result is used only for the very bytes that were parsed."""

from __future__ import annotations

import threading

import pytest

from forms_processor.errors import UnreadableDocument
from forms_processor.readers.base import ExtractedForm
from forms_processor.readers.prefetch import PrefetchingReader


class CountingRead:
    def __init__(self) -> None:
        self.calls: list[bytes] = []
        self.lock = threading.Lock()

    def __call__(self, data: bytes, name: str) -> ExtractedForm:
        with self.lock:
            self.calls.append(data)
        if data.startswith(b"bad"):
            raise UnreadableDocument("damaged", reason="damaged")
        if data.startswith(b"slow"):
            raise UnreadableDocument("took too long", reason="timeout")
        return ExtractedForm("send-application", {"school_name": data.decode()}, "test")


def test_the_same_bytes_are_parsed_once() -> None:
    read = CountingRead()
    reader = PrefetchingReader(read)
    try:
        reader.prefetch(b"Marsham", "a.docx")
        reader.prefetch(b"Marsham", "a.docx")  # asked twice while settling: parsed once
        assert reader.read(b"Marsham", "a.docx").fields == {"school_name": "Marsham"}
        assert read.calls == [b"Marsham"]
        assert reader.waiting == 0
    finally:
        reader.close()


def test_changed_bytes_miss_and_are_read_as_usual() -> None:
    read = CountingRead()
    reader = PrefetchingReader(read)
    try:
        reader.prefetch(b"Marsham draft", "a.docx")
        assert reader.read(b"Marsham final", "a.docx").fields == {"school_name": "Marsham final"}
        assert sorted(read.calls) == [b"Marsham draft", b"Marsham final"]
    finally:
        reader.close()


def test_a_refusal_read_ahead_is_given_for_the_same_bytes() -> None:
    read = CountingRead()
    reader = PrefetchingReader(read)
    try:
        reader.prefetch(b"bad file", "a.pdf")
        with pytest.raises(UnreadableDocument, match="damaged"):
            reader.read(b"bad file", "a.pdf")
        assert read.calls == [b"bad file"]
    finally:
        reader.close()


def test_a_passing_refusal_is_not_trusted_and_is_read_again() -> None:
    read = CountingRead()
    reader = PrefetchingReader(read)
    try:
        reader.prefetch(b"slow file", "a.pdf")
        with pytest.raises(UnreadableDocument):
            reader.read(b"slow file", "a.pdf")
        assert read.calls == [b"slow file", b"slow file"]
    finally:
        reader.close()


def test_at_most_keep_results_wait() -> None:
    read = CountingRead()
    reader = PrefetchingReader(read, keep=3)
    try:
        for n in range(10):
            reader.prefetch(f"school {n}".encode(), "a.docx")
        assert reader.waiting == 3
    finally:
        reader.close()
