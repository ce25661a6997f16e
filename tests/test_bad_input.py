"""Bad input, faults and big input: each gets a defined outcome (README's table)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import write_docs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dedup import ScanConfig, scan
from dedup.cli import app
from dedup.cut import cut
from dedup.errors import InputError
from dedup.readers import Source, decode, read_source
from dedup.split import split

PARA = "Rusya Dışişleri Bakanı Sergey Lavrov bugün Moskova'da açıklama yaptı."
OTHER = "Ankara'da düzenlenen toplantıda yeni ekonomi programı ayrıntılarıyla tanıtıldı."

runner = CliRunner()


def dedup(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line_error(result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("dedup: error: "), result.output
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# --- encodings -------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding,bom",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_encodings_and_line_endings_are_read_and_written_back_as_they_came(encoding, bom, newline, tmp_path):
    text = newline.join([PARA, OTHER, "", PARA.upper(), "son satır burada ve yeterince uzun"]) + newline
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "a.txt").write_bytes(bom + text.encode(encoding))
    result = scan([corpus], tmp_path / "out", ScanConfig())
    data = (tmp_path / "out" / "a.txt").read_bytes()
    assert data.startswith(bom)
    out = data[len(bom) :].decode(encoding)
    expected = newline.join([PARA, OTHER, "", "son satır burada ve yeterince uzun"]) + newline
    assert out == expected
    assert result.report["summary"]["removed_blocks"] == 1


def test_legacy_turkish_encoding_needs_encoding_option(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "eski.txt").write_bytes(f"{PARA}\n{PARA}\n".encode("cp1254"))
    out = tmp_path / "out"
    line = one_line_error(dedup("scan", corpus, "--out", out), "eski.txt", "not valid UTF-8 at byte", "--encoding")
    first_non_ascii = next(i for i, b in enumerate(PARA.encode("cp1254")) if b > 127)  # the 'ı' of "Dışişleri"
    assert f"at byte {first_non_ascii} " in line
    assert not out.exists()
    r = dedup("scan", corpus, "--out", out, "--encoding", "cp1254", "-q")
    assert r.exit_code == 0, r.output
    assert (out / "eski.txt").read_bytes() == f"{PARA}\n".encode("cp1254")
    assert one_line_error(dedup("scan", corpus, "--out", tmp_path / "o2", "--encoding", "klingon"), "klingon")


def test_on_error_skip_passes_bad_files_through_and_reports_them(tmp_path):
    corpus = write_docs(tmp_path / "in", {"a.txt": f"{PARA}\n{OTHER}\n", "b.txt": f"{PARA}\n"})
    bad = b"ok line\n\xff\xfe broken \x81 bytes\n"
    (corpus / "c.txt").write_bytes(b"x" + bad)  # no BOM: invalid UTF-8
    out = tmp_path / "out"
    one_line_error(dedup("scan", corpus, "--out", out), "c.txt")
    assert not out.exists()  # default: fail before writing anything
    r = dedup("scan", corpus, "--out", out, "--on-error", "skip", "-q")
    assert r.exit_code == 0, r.output
    assert (out / "c.txt").read_bytes() == b"x" + bad  # copied unchanged
    assert (out / "b.txt").read_text(encoding="utf-8") == ""  # the run went on
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["skipped"] == [{"where": "c.txt", "reason": report["skipped"][0]["reason"], "chars": len(bad) + 1}]
    assert "UTF-8" in report["skipped"][0]["reason"]
    assert report["summary"]["skipped"] == 1 and report["summary"]["skipped_chars"] == len(bad) + 1
    # The summary on the terminal says so too, naming the file and why.
    shown = dedup("scan", corpus, "--out", tmp_path / "out2", "--on-error", "skip").output
    skipped = [line for line in shown.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 1 and "c.txt" in skipped[0] and "UTF-8" in skipped[0]


# --- not text ----------------------------------------------------------------------


def test_binary_file_is_refused_or_skipped(tmp_path):
    corpus = write_docs(tmp_path / "in", {"a.txt": f"{PARA}\n"})
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    one_line_error(dedup("scan", corpus, "--out", tmp_path / "out"), "image.txt", "binary")
    r = dedup("scan", corpus, "--out", tmp_path / "out", "--on-error", "skip", "-q")
    assert r.exit_code == 0
    assert (tmp_path / "out" / "image.txt").read_bytes() == (corpus / "image.txt").read_bytes()


@pytest.mark.parametrize("content", [b"", b"   \n\t\n\r\n", b"\n"])
def test_empty_and_blank_files_are_documents_without_blocks(content, tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(content)
    result = scan([corpus], tmp_path / "out", ScanConfig())
    assert (tmp_path / "out" / "empty.txt").read_bytes() == content
    doc = result.report["documents"][0]
    assert doc["blocks"] == 0 and doc["input_chars"] == doc["output_chars"] == len(content.decode())


def test_a_long_single_line_document_is_one_block(tmp_path):
    words = [f"kelime{i % 997}" for i in range(400_000)]
    line = " ".join(words)  # ~3.9 MB on one line
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "long.txt").write_text(line + "\n" + line + "\n", encoding="utf-8")
    result = scan([corpus], tmp_path / "out", ScanConfig())
    assert result.report["summary"]["blocks"] == 2
    assert result.report["summary"]["removed_blocks"] == 1
    assert (tmp_path / "out" / "long.txt").read_text(encoding="utf-8") == line + "\n"


def test_many_tiny_files(tmp_path):
    corpus = tmp_path / "in"
    for i in range(5000):
        sub = corpus / f"d{i % 50:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{i:05d}.txt").write_text(f"kısa {i}\n" if i % 10 else f"{PARA}\n", encoding="utf-8")
    result = scan([corpus], tmp_path / "out", ScanConfig())
    s = result.report["summary"]
    assert s["documents"] == 5000 and s["removed_blocks"] == 499  # one copy of PARA kept
    assert len(list((tmp_path / "out").rglob("*.txt"))) == 5000


def test_symlink_loops_are_not_followed(tmp_path):
    corpus = write_docs(tmp_path / "in", {"a/x.txt": f"{PARA}\n", "b.txt": f"{PARA}\n"})
    os.symlink("..", corpus / "a" / "loop")
    os.symlink(corpus, corpus / "a" / "self")
    result = scan([corpus], tmp_path / "out", ScanConfig())
    assert [d["id"] for d in result.report["documents"]] == ["a/x.txt", "b.txt"]


def test_broken_symlink_names_the_file(tmp_path):
    corpus = write_docs(tmp_path / "in", {"a.txt": f"{PARA}\n"})
    os.symlink("nowhere.txt", corpus / "gone.txt")
    one_line_error(dedup("scan", corpus, "--out", tmp_path / "out"), "gone.txt", "broken symbolic link")
    r = dedup("scan", corpus, "--out", tmp_path / "out", "--on-error", "skip", "-q")
    assert r.exit_code == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["skipped"][0]["where"] == "gone.txt"


def test_unreadable_file_names_the_file(tmp_path, monkeypatch):
    corpus = write_docs(tmp_path / "in", {"a.txt": f"{PARA}\n", "secret.txt": f"{OTHER}\n"})
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "secret.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    real_open = os.open

    def os_open(path, *args, **kwargs):  # files are opened ahead of reading, where the OS can
        if os.fspath(path).endswith("secret.txt"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(os, "open", os_open)
    one_line_error(dedup("scan", corpus, "--out", tmp_path / "out"), "secret.txt", "Permission denied")


def test_a_failing_read_of_an_open_file_names_the_file(tmp_path, monkeypatch):
    # The read itself fails (a disk error) after the file was opened ahead: the error
    # names that file, and --on-error skip passes it over.
    import dedup.readers as readers

    corpus = write_docs(tmp_path / "in", {"a.txt": f"{PARA}\n", "b.txt": f"{OTHER}\n"})
    real = readers._read_fd
    calls = []

    def read_fd(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error")
        return real(fd)

    monkeypatch.setattr(readers, "_read_fd", read_fd)
    one_line_error(dedup("scan", corpus, "--out", tmp_path / "out"), "b.txt", "Input/output error")
    calls.clear()
    r = dedup("scan", corpus, "--out", tmp_path / "out", "--on-error", "skip", "-q")
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["skipped"][0]["where"] == "b.txt"


# --- JSONL ---------------------------------------------------------------------------


def jsonl(tmp_path: Path, lines: list[bytes]) -> Path:
    corpus = tmp_path / "in"
    corpus.mkdir(exist_ok=True)
    (corpus / "news.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return corpus


BAD_RECORDS = {
    "malformed": b'{"id": 2, "text": "unterminated}',
    "no text field": b'{"id": 2, "body": "x"}',
    "non-string text": b'{"id": 2, "text": 42}',
    "duplicate id": b'{"id": 1, "text": "again"}',
    "invalid UTF-8": b'{"id": 2, "text": "caf\xe9"}',
}


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_bad_jsonl_record_fails_naming_file_and_line_or_is_skipped(case, tmp_path):
    good = json.dumps({"id": 1, "text": f"{PARA}\n{PARA}"}, ensure_ascii=False).encode()
    last = json.dumps({"id": 3, "text": OTHER}, ensure_ascii=False).encode()
    corpus = jsonl(tmp_path, [good, BAD_RECORDS[case], last])
    out = tmp_path / "out"
    one_line_error(dedup("scan", corpus, "--out", out), "news.jsonl:2")
    assert not out.exists()
    r = dedup("scan", corpus, "--out", out, "--on-error", "skip", "-q")
    assert r.exit_code == 0, r.output
    lines = (out / "news.jsonl").read_bytes().split(b"\n")
    assert lines[1] == BAD_RECORDS[case]  # passed through unchanged, in place
    assert json.loads(lines[0])["text"] == PARA  # the good records were still deduplicated
    assert lines[2] == last
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [s["where"] for s in report["skipped"]] == ["news.jsonl:2"]
    assert len(report["documents"]) == 2


def test_jsonl_ids_never_become_paths(tmp_path):
    corpus = jsonl(tmp_path, [json.dumps({"id": "../../etc/x", "text": PARA}).encode(), json.dumps({"id": "/abs", "text": PARA}).encode()])
    out = tmp_path / "sub" / "out"
    result = scan([corpus], out, ScanConfig())
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["dedup-manifest.json", "news.jsonl", "report.json", "report.md"]
    assert not (tmp_path / "etc").exists()
    assert result.report["summary"]["removed_blocks"] == 1


# --- nothing lost ------------------------------------------------------------------


def test_full_disk_leaves_no_output_and_exits_4(tmp_path, monkeypatch):
    corpus = write_docs(tmp_path / "in", {"a.txt": f"{PARA}\n", "b.txt": f"{PARA}\n", "c.txt": f"{OTHER}\n"})
    real_open = open
    calls = {"n": 0}

    def failing_open(file, mode="r", *args, **kwargs):
        if "x" in mode:
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    r = dedup("scan", corpus, "--out", tmp_path / "out")
    assert r.exit_code == 4, r.output
    assert "No space left on device" in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # no out, no temporary folder


def test_a_write_failure_seen_only_at_commit_leaves_nothing(tmp_path, monkeypatch):
    # The writer thread fails on the last file, after the caller has handed over
    # everything: the error must still come out, as an OutputError, with no folder left.
    from dedup.errors import OutputError
    from dedup.writers import TreeWriter

    real_open = open

    def failing_open(file, mode="r", *args, **kwargs):
        if "x" in mode and str(file).endswith("b.txt"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    with pytest.raises(OutputError, match="No space left on device"):
        with TreeWriter(tmp_path / "out") as tree:
            tree.add("a.txt", b"one")
            tree.add("sub/b.txt", b"two")
            tree.commit()
    assert list(tmp_path.iterdir()) == []


def test_the_writer_keeps_its_byte_budget_and_never_hangs_on_a_failure(tmp_path, monkeypatch):
    # Files wait for the writer thread up to a byte budget; beyond it the caller
    # waits.  Every file must still arrive whole, and a failure in the thread must
    # free the budget (a caller waiting for room would otherwise wait forever).
    import threading
    import time

    from dedup.errors import OutputError
    from dedup.writers import TreeWriter

    files = {f"d/{i:03d}.txt": bytes([65 + i % 26]) * (100 + i % 3) for i in range(60)}
    budget = 2 * (102 + TreeWriter.PER_FILE)  # two files may wait
    real_open = open
    disk = threading.Event()  # the writer thread is stuck until this is set

    def slow_open(file, mode="r", *args, **kwargs):
        if "x" in mode:
            disk.wait(30)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", slow_open)
    added = []

    def produce(out, done):
        try:
            with TreeWriter(out, budget=budget) as tree:
                for rel, data in files.items():
                    tree.add(rel, data)
                    added.append(rel)
                tree.commit()
        except OutputError as exc:
            done.append(str(exc))
        else:
            done.append("ok")

    done: list[str] = []
    t = threading.Thread(target=produce, args=(tmp_path / "ok", done), daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while len(added) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    # The thread holds the first file, the second waits: the third may not be handed over.
    assert len(added) == 2
    disk.set()
    t.join(30)
    assert done == ["ok"]
    assert {p.relative_to(tmp_path / "ok").as_posix(): p.read_bytes() for p in (tmp_path / "ok").rglob("*.txt")} == files

    def failing_open(file, mode="r", *args, **kwargs):
        if "x" in mode and str(file).endswith("005.txt"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    done = []
    t = threading.Thread(target=produce, args=(tmp_path / "bad", done), daemon=True)
    t.start()
    t.join(30)
    assert not t.is_alive(), "the caller hung waiting for room"
    assert done and "No space left on device" in done[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok"]


def test_leaving_the_writer_without_a_commit_skips_the_files_still_waiting(tmp_path, monkeypatch):
    # Ctrl-C (or any error) while files wait: they are thrown away, not written first.
    import threading

    from dedup.writers import TreeWriter

    real_open = open
    gate = threading.Event()
    started = threading.Event()
    opened = []

    def slow_open(file, mode="r", *args, **kwargs):
        if "x" in mode:
            opened.append(file)
            started.set()
            gate.wait(30)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", slow_open)
    with pytest.raises(KeyboardInterrupt):
        with TreeWriter(tmp_path / "out") as tree:
            for i in range(50):
                tree.add(f"{i}.txt", b"x" * 10)
            # Interrupt only once the thread is inside the first file (on a busy machine
            # it may not have started yet), and let that file finish a moment later.
            assert started.wait(30), "the writer thread never started a file"
            threading.Timer(0.2, gate.set).start()
            raise KeyboardInterrupt
    assert len(opened) == 1  # the file the thread had started; the other 49 were skipped
    assert list(tmp_path.iterdir()) == []


def test_writer_processes_write_every_file_and_report_a_failure(tmp_path):
    # With --jobs > 1 the output files go to writer processes in batches; every file
    # must arrive whole, a failure there must come back as an OutputError naming
    # --out, and nothing may be left behind, also when the caller stops early.
    from dedup.errors import OutputError
    from dedup.writers import TreeWriter

    files = {f"s{i % 3}/{i:04d}.txt": bytes([65 + i % 26]) * (i * 37 % 5000) for i in range(400)}
    with TreeWriter(tmp_path / "ok", budget=200_000, processes=2) as tree:
        for rel, data in files.items():
            tree.add(rel, data)
        tree.commit()
    assert {p.relative_to(tmp_path / "ok").as_posix(): p.read_bytes() for p in (tmp_path / "ok").rglob("*.txt")} == files

    with pytest.raises(OutputError, match=r"cannot write --out .*bad.*File exists"):
        with TreeWriter(tmp_path / "bad", processes=2) as tree:
            for rel, data in files.items():
                tree.add(rel, data)
            tree.add("s0/0000.txt", b"twice")  # exists already: exclusive creation fails
            tree.commit()
    with pytest.raises(KeyboardInterrupt):
        with TreeWriter(tmp_path / "stopped", processes=2) as tree:
            for rel, data in files.items():
                tree.add(rel, data)
            raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok"]


def test_a_dead_writer_process_is_a_worker_error_and_small_outputs_start_none(tmp_path):
    import os
    import signal
    import time
    from concurrent.futures import wait

    from dedup.errors import WorkerError
    from dedup.writers import TreeWriter

    with TreeWriter(tmp_path / "small", processes=2) as tree:  # one batch: written in-process
        for i in range(20):
            tree.add(f"{i}.txt", b"small")
        assert tree._pool is None
        tree.commit()
    assert len(list((tmp_path / "small").glob("*.txt"))) == 20

    big = b"x" * 100_000
    with pytest.raises(WorkerError, match="worker process died"):
        with TreeWriter(tmp_path / "killed", processes=2) as tree:
            i = 0
            while tree._pool is None or not tree._pool._processes:
                tree.add(f"{i}.txt", big)
                i += 1
            # Killed while idle: a worker killed while a batch is being sent can hang
            # Python 3.11's executor itself (its queue feeder blocks on the pipe): not what is tested here.
            wait(list(tree._in_flight))
            for pid in list(tree._pool._processes):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 20
            while not tree._pool._broken and time.monotonic() < deadline:
                time.sleep(0.01)
            for j in range(i, i + 200):
                tree.add(f"{j}.txt", big)
            tree.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small"]


def test_failed_rerun_keeps_the_previous_output(tmp_path, monkeypatch):
    corpus = write_docs(tmp_path / "in", {"a.txt": f"{PARA}\n{PARA}\n"})
    out = tmp_path / "out"
    assert dedup("scan", corpus, "--out", out, "-q").exit_code == 0
    before = hashes(out)
    (corpus / "b.txt").write_text(OTHER + "\n", encoding="utf-8")
    monkeypatch.setattr("dedup.writers.os.rename", lambda *a: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    assert dedup("scan", corpus, "--out", out, "-q").exit_code == 4
    assert hashes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_leave_no_half_written_output(sig, code, tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    line = " ".join(f"söz{i}" for i in range(40))
    for i in range(3000):
        # Distinct lines: detection has seconds of work left when the spill appears.
        (corpus / f"{i:04d}.txt").write_text("".join(f"{line} {i} {k}\n{PARA}\n" for k in range(20)), encoding="utf-8")
    out = tmp_path / "out"
    scratch = tmp_path / "tmp"  # TMPDIR: the signature spill appears there once detection runs
    scratch.mkdir()
    for _ in range(3):  # a signal that lands in a finalizer is ignored by Python: try again
        proc = subprocess.Popen(
            [sys.executable, "-c", "from dedup.cli import app; app()", "scan", str(corpus), "--out", str(out), "-q"],
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TMPDIR": str(scratch)},
        )
        deadline = time.monotonic() + 60
        while not any(scratch.iterdir()) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        if proc.returncode != 0:
            break
        shutil.rmtree(out)
    else:  # finished before the signal every time: nothing to test on this machine
        pytest.skip("the scan finished before the signal arrived")
    assert proc.returncode == code
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "tmp"]
    assert list(scratch.iterdir()) == []  # the spill is removed too


# --- fuzz: readers and splitter ----------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_decode_never_crashes_on_arbitrary_bytes(data):
    try:
        text, codec, bom = decode(data, "f.txt")
    except InputError as exc:
        assert str(exc).startswith("f.txt: ")
        return
    assert bom + text.encode(codec, "surrogatepass") == data


_text = st.lists(
    st.one_of(
        st.characters(blacklist_categories=()),  # everything, lone surrogates included
        st.sampled_from(["\n", "\r", "\r\n", " ", "\t", "\u200b", "\u200f", "\u0301", "İ", "ı", "\ufeff", "\u2028", "ب", "א"]),
        st.sampled_from(["Lavrov dedi ki", "DIŞİŞLERİ", "Disisleri", "  • İstanbul"]),
    ),
    max_size=60,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(_text, st.sampled_from(["line", "paragraph"]), st.data())
def test_split_and_cut_keep_every_kept_character(text, unit, data):
    blocks = split(text, unit)
    for b in blocks:
        assert text[b.start : b.end].strip(), b
        assert b.seg_start <= b.start < b.end <= b.seg_end
    removed = data.draw(st.sets(st.sampled_from([b.index for b in blocks]))) if blocks else set()
    out = cut(text, blocks, removed)
    # Kept blocks appear unchanged and in order; nothing else is added.
    pos = 0
    for b in blocks:
        if b.index in removed:
            continue
        piece = text[b.seg_start : b.seg_end]
        found = out.find(piece, pos)
        assert found >= 0
        pos = found + len(piece)
    assert len(out) <= len(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(_text, min_size=1, max_size=4))
def test_jsonl_reader_and_scan_never_crash_on_arbitrary_text(tmp_path_factory, texts):
    folder = tmp_path_factory.mktemp("fuzz")
    lines = [json.dumps({"id": i, "text": t}) for i, t in enumerate(texts)]
    (folder / "f.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = read_source(Source(folder / "f.jsonl", "f.jsonl", "jsonl"))
    assert [d.text for d in loaded.documents] == texts
    result = scan([folder], None, ScanConfig(min_chars=1))
    s = result.report["summary"]
    assert s["input_chars"] == sum(map(len, texts))
    assert s["input_chars"] == s["output_chars"] + s["removed_chars"]


def test_rerun_from_inside_the_input_keeps_the_input_clean(tmp_path, monkeypatch):
    corpus = write_docs(tmp_path / "in", {"a.txt": f"{PARA}\n{PARA}\n"})
    monkeypatch.chdir(corpus)
    assert dedup("scan", ".", "--out", "../out", "-q").exit_code == 0
    before = hashes(corpus)
    moves = []
    real_rename = os.rename
    monkeypatch.setattr(os, "rename", lambda a, b: (moves.append(Path(os.path.abspath(b))), real_rename(a, b))[1])
    r = dedup("scan", ".", "--out", "../out", "-q")  # replaces the earlier output
    assert r.exit_code == 0, r.output
    assert moves and all(not m.is_relative_to(corpus) for m in moves), moves  # nothing parked in the input
    assert hashes(corpus) == before and sorted(p.name for p in corpus.iterdir()) == ["a.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


def test_hidden_folders_are_not_read(tmp_path):
    corpus = write_docs(tmp_path / "in", {"a.txt": f"{PARA}\n", ".git/notes.txt": f"{PARA}\n", ".out.old-x/a.txt": f"{PARA}\n"})
    result = scan([corpus], tmp_path / "out", ScanConfig())
    assert [d["id"] for d in result.report["documents"]] == ["a.txt"]


def test_errors_name_the_file_as_the_user_finds_it(tmp_path, monkeypatch):
    corpus = write_docs(tmp_path / "c1", {"ok.txt": f"{PARA}\n"})
    (corpus / "bad.txt").write_bytes(b"caf\xe9\n")
    monkeypatch.chdir(tmp_path)
    line = one_line_error(dedup("scan", "c1", "--out", "o"), "c1/bad.txt", "at byte 3")
    assert line.startswith("dedup: error: c1/bad.txt: ")


def test_baseline_to_a_missing_folder_and_unwritable_step_summary(tmp_path, monkeypatch):
    write_docs(tmp_path / "in", {"a.txt": f"{PARA}\n{PARA}\n"})
    monkeypatch.chdir(tmp_path)
    r = dedup("check", "in", "--write-baseline", "nodir/b.json")
    assert r.exit_code == 4 and "nodir/b.json" in r.output
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "nodir" / "summary.md"))
    r = dedup("check", "in", "--format", "github")
    assert r.exit_code == 1  # the verdict, not an internal error
    assert "::error file=" in r.output and "warning: cannot write GITHUB_STEP_SUMMARY" in r.output


def test_a_script_without_main_guard_gets_a_clear_error(tmp_path):
    # Workers start from a forkserver and import the main script: a script that calls
    # scan with jobs > 1 at top level makes them fail.  The caller gets one clear
    # error that says why, not a bare BrokenProcessPool.
    corpus = tmp_path / "in"
    corpus.mkdir()
    for i in range(2100):  # more than one batch, so that workers are used
        (corpus / f"{i:04d}.txt").write_text(f"{PARA} {i}\n", encoding="utf-8")
    script = tmp_path / "noguard.py"
    script.write_text(
        "from dedup import ScanConfig, scan\n"
        "from dedup.errors import WorkerError\n"
        "try:\n"
        f"    scan([{str(corpus)!r}], None, ScanConfig(jobs=2))\n"
        "except WorkerError as exc:\n"
        "    print('CAUGHT', exc)\n",
        encoding="utf-8",
    )
    # A worker that re-runs the script starts a scan of its own and can be stopped by
    # the pool in the middle of it, leaving its signature folder: keep that out of /tmp.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    caught = [line for line in proc.stdout.splitlines() if line.startswith("CAUGHT")]
    assert caught and "a worker process died" in caught[0] and "__main__" in caught[0]


def test_a_bad_file_read_while_workers_analyze_gives_one_line_and_leaves_nothing(tmp_path):
    # With --jobs 2 files are read while the workers analyze the batches before them:
    # a bad last file comes out as the same one-line error, after batches were in flight.
    corpus = tmp_path / "in"
    corpus.mkdir()
    line = " ".join(f"söz{i}" for i in range(30))
    for i in range(600):
        (corpus / f"{i:04d}.txt").write_text("".join(f"{line} {i} {k}\n" for k in range(60)), encoding="utf-8")
    (corpus / "zzzz.txt").write_bytes(b"text\x00\x01binary")
    out = tmp_path / "out"
    r = dedup("scan", corpus, "--out", out, "--jobs", "2", "-q")
    assert r.exit_code == 2, r.output
    one_line_error(r, "zzzz.txt", "looks binary")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # no out, no temporary folder


def test_documents_are_numbered_in_reading_order_across_jsonl_files(tmp_path):
    # Orders run 0..n-1 over all files, so --keep first keeps the copy in the earlier
    # file even when that file holds more records (an earlier version numbered a
    # file's records 0, 2, 4, ... and let a later file's record come first).
    from dedup.scan import read_corpus

    corpus = tmp_path / "in"
    corpus.mkdir()
    same = "Aynı ajans haberi iki dosyada da yer aldı ve kelimesi kelimesine tekrarlandı."
    others = [
        "Merkez Bankası faiz kararını perşembe günü açıklayacak.",
        "İstanbul'da yarın kuvvetli yağış ve fırtına bekleniyor.",
        "Milli takım hazırlık maçında rakibini üç golle yendi.",
        "Öğrenciler yeni eğitim yılına büyük heyecanla başladı.",
    ]
    recs0 = [{"id": f"a{i}", "text": text} for i, text in enumerate(others)]
    recs0.append({"id": "a-copy", "text": same})
    (corpus / "f0.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs0), encoding="utf-8")
    (corpus / "f1.jsonl").write_text(json.dumps({"id": "b-copy", "text": same}, ensure_ascii=False) + "\n", encoding="utf-8")
    _, _, documents = read_corpus([corpus], ScanConfig())
    assert [d.order for d in documents] == list(range(6))
    res = scan([corpus], None, ScanConfig(keep="first"))
    [cluster] = res.report["clusters"]
    assert [(m["document"], m["action"]) for m in cluster["members"]] == [("a-copy", "kept"), ("b-copy", "removed")]


def test_read_ahead_hints_never_fail_and_never_open_a_fifo_for_good(tmp_path):
    # Opening ahead is a hint: a missing file, a folder, a FIFO with no writer (which a
    # blocking open would wait on forever, and whose writer must not be touched) and a
    # file without read permission are passed over; the read that follows reports.
    from dedup.readers import Source, open_ahead

    (tmp_path / "ok.txt").write_text("metin\n", encoding="utf-8")
    locked = tmp_path / "locked.txt"
    locked.write_text("x\n", encoding="utf-8")
    locked.chmod(0)
    paths = [tmp_path / "missing.txt", tmp_path, locked]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.txt")
        paths.append(tmp_path / "pipe.txt")
    for p in paths:
        fd = open_ahead(Source(p, p.name, "text"))  # returns, raises nothing
        if fd is not None:  # root reads a locked file
            assert p == locked
            os.close(fd)
    fd = open_ahead(Source(tmp_path / "ok.txt", "ok.txt", "text", regular=True))
    assert os.read(fd, 100) == b"metin\n"
    os.close(fd)


class _Stop(Exception):
    pass


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("make", ["spill", "writer"])
def test_a_signal_right_after_the_scratch_folder_is_made_leaves_nothing(make, tmp_path, monkeypatch):
    # The race a busy machine hit: SIGTERM handled between mkdtemp's mkdir and the
    # caller taking hold of the folder. The signal must still stop the run, after the
    # folder is known, so that it is removed.
    import tempfile

    from dedup.spill import SignatureSpill
    from dedup.writers import TreeWriter

    real = tempfile.mkdtemp

    def mkdtemp_then_signal(*args, **kwargs):
        made = real(*args, **kwargs)
        signal.raise_signal(signal.SIGTERM)  # handled at once, unless held back
        return made

    def stop(signum, frame):
        raise _Stop()

    previous = signal.signal(signal.SIGTERM, stop)
    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp_then_signal)
    try:
        with pytest.raises(_Stop):
            if make == "spill":
                SignatureSpill(192, 38, 5, dir=str(tmp_path))
            else:
                with TreeWriter(tmp_path / "out"):
                    pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_held_back_signals_are_delivered_and_every_handler_put_back():
    from dedup.interrupts import deferred_signals

    def stop(signum, frame):
        raise _Stop(signum)

    before = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(_Stop) as caught:
            with deferred_signals():
                signal.raise_signal(signal.SIGTERM)
                signal.raise_signal(signal.SIGINT)
                done = True  # the block ran to its end: both were only noted
        assert done and caught.value.args == (signal.SIGTERM,)  # the first, in order
        # The first delivery raised: the second handler was put back all the same.
        assert signal.getsignal(signal.SIGINT) is stop and signal.getsignal(signal.SIGTERM) is stop
    finally:
        for s, h in before.items():
            signal.signal(s, h)


def test_reading_ahead_gives_every_file_in_order_and_closes_what_it_opened(tmp_path):
    # Files are opened ahead of reading (at most `ahead` at once) and each read once;
    # a missing file comes back as its error; nothing stays open, also when the
    # reader stops early (an error in a file: the scan ends there).
    from dedup.readers import discover, read_ahead_bytes

    corpus = write_docs(tmp_path / "in", {f"f{i:03d}.txt": f"metin {i}\n" * (i % 7) for i in range(40)})
    _, sources = discover([corpus])
    (corpus / "f005.txt").unlink()
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("no /proc/self/fd to count open files")
    before = len(list(fds.iterdir()))
    got = []
    most = 0
    for src, data in read_ahead_bytes(sources, ahead=8):
        most = max(most, len(list(fds.iterdir())) - before)
        got.append((src.rel, data))
    assert most <= 8
    assert most >= 4  # files really are opened ahead
    assert [rel for rel, _ in got] == [src.rel for src in sources]
    assert isinstance(got[5][1], FileNotFoundError)
    assert all(data == (f"metin {i}\n" * (i % 7)).encode() for i, (_, data) in enumerate(got) if i != 5)
    assert len(list(fds.iterdir())) == before
    stream = read_ahead_bytes(sources, ahead=8)
    next(stream)
    stream.close()
    assert len(list(fds.iterdir())) == before


def test_short_reads_are_read_on_to_the_end(tmp_path, monkeypatch):
    # One read() gives at most about 2 GiB on Linux (and network file systems may give
    # less): a short read before the size fstat gave is not the end of the file.
    import dedup.readers as readers

    corpus = write_docs(tmp_path / "in", {"a.txt": "satır\n" * 5000, "b.txt": ""})
    _, sources = readers.discover([corpus])
    real = os.read
    monkeypatch.setattr(readers.os, "read", lambda fd, n: real(fd, min(n, 777)))
    got = {src.rel: data for src, data in readers.read_ahead_bytes(sources)}
    assert got == {"a.txt": ("satır\n" * 5000).encode(), "b.txt": b""}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_link_to_a_fifo_is_an_error_not_a_hang(tmp_path):
    # A FIFO with no writer would block a read forever: a link to one names the link.
    corpus = write_docs(tmp_path / "in", {"a.txt": f"{PARA}\n"})
    os.mkfifo(tmp_path / "pipe")
    (corpus / "pipe.txt").symlink_to(tmp_path / "pipe")
    run = [sys.executable, "-c", "from dedup.cli import app; app()", "scan", str(corpus)]
    r = subprocess.run([*run, "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "pipe.txt" in r.stderr and "not a regular file" in r.stderr, r.stderr
    r = subprocess.run([*run, "--out", str(tmp_path / "out"), "--on-error", "skip", "-q"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["skipped"][0]["where"] == "pipe.txt"
