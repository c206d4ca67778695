"""The reader pool: workers reused, killed and replaced on timeout, memory or crash."""

from __future__ import annotations

import threading

import pytest
from formbuilders import APP_VALUES, IMPACT_VALUES, docx_form, fillable_pdf
from sandbox_helpers import misbehaving_read

from forms_processor.errors import UnreadableDocument
from forms_processor.readers import ReaderPool, ReadLimits
from forms_processor.spec import APPLICATION, IMPACT


@pytest.fixture(scope="module")
def pool():
    limits = ReadLimits(timeout_seconds=3, memory_mb=768)
    with ReaderPool(workers=2, limits=limits, read_function=misbehaving_read) as pool:
        yield pool


def _pid(pool: ReaderPool) -> str:
    value = pool.read(b"pid", "x").fields["pid"]
    assert isinstance(value, str)
    return value


def test_reads_forms_in_workers(pool):
    assert pool.read(docx_form(APPLICATION, APP_VALUES), "a.docx").fields == APP_VALUES
    assert pool.read(fillable_pdf(IMPACT, IMPACT_VALUES), "b.pdf").fields == IMPACT_VALUES


def test_unreadable_document_crosses_the_process_boundary(pool):
    with pytest.raises(UnreadableDocument) as err:
        pool.read(b"\xff\xd8\xff\xe0 a photo", "photo.pdf")
    assert err.value.reason == "image"
    assert "picture" in err.value.message


def test_workers_are_reused():
    with ReaderPool(workers=1, read_function=misbehaving_read) as pool:
        assert len({_pid(pool) for _ in range(5)}) == 1


def test_hung_worker_is_killed_and_replaced(pool):
    with pytest.raises(UnreadableDocument) as err:
        pool.read(b"hang", "slow.pdf")
    assert err.value.reason == "timeout"
    assert "took too long to read" in err.value.message
    assert pool.read(docx_form(IMPACT, IMPACT_VALUES), "next.docx").fields == IMPACT_VALUES


def test_memory_hog_is_stopped_and_the_pool_goes_on(pool):
    with pytest.raises(UnreadableDocument) as err:
        pool.read(b"hog", "big.docx")
    assert err.value.reason in ("memory", "crashed")  # a MemoryError, or killed at its memory limit
    assert pool.read(docx_form(IMPACT, IMPACT_VALUES), "next.docx").form_id == "send-impact"


def test_crashed_worker_is_replaced(pool):
    with pytest.raises(UnreadableDocument) as err:
        pool.read(b"die", "crash.pdf")
    assert err.value.reason == "crashed"
    for _ in range(3):
        assert pool.read(docx_form(IMPACT, IMPACT_VALUES), "next.docx").form_id == "send-impact"


def test_oversize_refused_in_parent(pool):
    small = ReaderPool(workers=1, limits=ReadLimits(max_bytes=10), read_function=misbehaving_read)
    with pytest.raises(UnreadableDocument) as err:
        small.read(b"x" * 11, "big.pdf")  # refused before any worker starts
    assert err.value.reason == "too-large"
    small.close()


def test_two_threads_share_the_pool(pool):
    docx = docx_form(APPLICATION, APP_VALUES)
    pdf = fillable_pdf(IMPACT, IMPACT_VALUES)
    results: list[str] = []
    errors: list[BaseException] = []

    def work(data: bytes) -> None:
        try:
            for _ in range(10):
                results.append(pool.read(data, "f").form_id)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d,)) for d in (docx, pdf)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(results) == ["send-application"] * 10 + ["send-impact"] * 10


def test_closed_pool_refuses_work():
    pool = ReaderPool(workers=1, read_function=misbehaving_read)
    pool.close()
    with pytest.raises(RuntimeError):
        pool.read(b"pid", "x")


def test_a_damaged_pdf_leaves_no_library_warnings_on_stderr(tmp_path):
    """pypdf warns "EOF marker not found" on stderr; the Host sees only the plain refusal."""
    import subprocess
    import sys

    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    script = (
        "import sys\n"
        "from forms_processor.errors import UnreadableDocument\n"
        "from forms_processor.readers import ReaderPool\n"
        "if __name__ == '__main__':\n"
        "    with ReaderPool(workers=1) as pool:\n"
        "        try:\n"
        "            pool.read(open(sys.argv[1], 'rb').read(), 'damaged.pdf')\n"
        "        except UnreadableDocument as exc:\n"
        "            print(exc.reason)\n"
    )
    (tmp_path / "read_one.py").write_text(script)
    done = subprocess.run(
        [sys.executable, str(tmp_path / "read_one.py"), str(damaged)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.stdout.strip() == "damaged"
    assert done.stderr == ""


def test_a_closed_pool_refuses_work_instead_of_refusing_the_form():
    from forms_processor.readers.sandbox import ReaderPool as Pool

    pool = Pool(workers=1, read_function=misbehaving_read).start()
    assert pool.read(docx_form(IMPACT, IMPACT_VALUES), "a.docx").form_id == "send-impact"
    pool.close()
    with pytest.raises(RuntimeError):
        pool.read(docx_form(IMPACT, IMPACT_VALUES), "b.docx")
