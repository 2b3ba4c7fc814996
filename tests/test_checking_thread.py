"""Files are read and checked in a second thread a few chunks ahead of the thread that stages and stores them
(pipeline.validate.validate_months): the results are those of one file at a time, memory stays bounded, and a
failure on either side stops both and leaves nothing loaded."""
import threading
import time

import pytest

from conftest import INV, JUD, PROS, VIC, errors_of
from pipeline import load, validate
from pipeline.settings import Settings

INV2 = {**INV, "case_id": "PZ-02/2024", "person_id": "5550001"}


def checking_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tipstats-check"]


def settings(env) -> Settings:
    return Settings(raw=env.raw, warehouse=env.warehouse, reports=env.reports, key_file=None)


def deliver_three_months(env) -> None:
    env.deliver("2024-01", investigations=[INV, {**INV2, "sex": "Q"}], judgments=[JUD])
    env.deliver("2024-02", investigations=[INV2], prosecutions=[PROS], victims=[VIC, {**VIC, "victim_id": "VICTIM-0008", "age": "x"}])
    env.deliver("2024-03", investigations=[{**INV, "status": "closed"}])


def test_months_checked_ahead_give_what_each_file_gives_alone(env):
    deliver_three_months(env)
    folders = sorted(env.raw.iterdir())
    ahead = [(m.month, f.path.name, f.rows_read, errors_of(f), f.staging.count_valid())
             for m in validate.validate_months(folders) for f in m.files]
    alone = []
    for folder in folders:
        for source in validate.SOURCES:
            path = folder / f"{source}.csv"
            if path.exists():
                result = validate.validate_file(path, folder.name)
                alone.append((folder.name, path.name, result.rows_read, errors_of(result),
                              result.staging.count_valid()))
    assert ahead == alone
    assert ahead == [
        ("2024-01", "investigations.csv", 2, [(3, "sex", "code_list")], 1),
        ("2024-01", "judgments.csv", 1, [], 1),
        ("2024-02", "investigations.csv", 1, [], 1),
        ("2024-02", "prosecutions.csv", 1, [], 1),
        ("2024-02", "victims.csv", 2, [(3, "age", "number_format")], 1),
        ("2024-03", "investigations.csv", 1, [], 1),
    ]
    assert checking_threads() == []


def test_the_checking_thread_keeps_a_bounded_number_of_events_ahead():
    produced = []

    def events():
        for i in range(50):
            produced.append(i)
            yield i

    consumed = 0
    with_depth = validate._ahead(iter([events()]), depth=3)
    for event in with_depth:
        consumed += 1
        assert event == consumed - 1
        if consumed in (1, 10, 30):  # the thread runs as far ahead as it may: the events queued, plus the one
            # it holds while the queue is full, and no further
            deadline = time.monotonic() + 5
            while len(produced) < consumed + 3 + 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2)
            assert len(produced) == consumed + 3 + 1
    assert consumed == 50
    assert checking_threads() == []


def test_files_checked_by_several_threads_come_out_in_order_and_at_most_that_many_ahead():
    """Each thread checks a file at a time; the events come out file by file in order whichever thread ends
    first, and no file is started more than `threads` files ahead of the one being consumed."""
    started = []

    def events(number: int, pause: float):
        started.append(number)
        for i in range(3):
            time.sleep(pause)
            yield (number, i)

    # the odd files are slow: the thread on the next file ends first
    files = iter([events(n, 0.05 if n % 2 == 0 else 0.0) for n in range(8)])
    out = []
    for event in validate._ahead(files, depth=2, threads=2):
        out.append(event)
        if event[1] == 0:
            assert max(started) <= event[0] + 1, (started, event)
    assert out == [(n, i) for n in range(8) for i in range(3)]
    assert sorted(started) == list(range(8))
    assert checking_threads() == []


def test_a_failure_in_a_later_file_is_raised_after_the_files_before_it():
    def good(number: int):
        yield from ((number, i) for i in range(2))

    def bad():
        raise ValueError("file 2 cannot be read")
        yield

    out = []
    with pytest.raises(ValueError, match="^file 2 cannot be read$"):
        for event in validate._ahead(iter([good(0), good(1), bad(), good(3)]), depth=2, threads=2):
            out.append(event)
    assert out == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert checking_threads() == []


def test_a_failure_in_the_checking_thread_reaches_the_refresh_and_nothing_is_loaded(env, monkeypatch, query):
    deliver_three_months(env)
    checks = validate.contract_stages
    calls = []

    def failing(normal, spec, month, decimal_comma):
        calls.append(month)
        if month == "2024-02":
            raise MemoryError("no room for 2024-02")
        return checks(normal, spec, month, decimal_comma)

    monkeypatch.setattr(validate, "contract_stages", failing)
    with pytest.raises(MemoryError, match="no room for 2024-02"):
        load.refresh(settings(env))
    # the two checking threads check the two files of 2024-01, then those of 2024-02 (the one that fails and
    # maybe the next): no thread starts a file more than two files ahead of the one being staged
    assert sorted(calls)[:3] == ["2024-01", "2024-01", "2024-02"] and set(calls) == {"2024-01", "2024-02"}
    assert len(calls) <= 4
    assert checking_threads() == []
    assert query("select count(*) from loads") == [(0,)]


def test_a_failure_while_storing_stops_the_checking_thread_and_closes_its_file(env, monkeypatch, query):
    deliver_three_months(env)
    store, open_file = load._store_file, validate.open_file
    opened, closed = [], []

    def failing(con, load_id, file):
        if file.result.month == "2024-02":
            raise OSError("disk full")
        store(con, load_id, file)

    def tracked(path, *args):
        stream = open_file(path, *args)
        opened.append(f"{path.parent.name}/{path.name}")
        close = stream.close
        stream.close = lambda: (closed.append(f"{path.parent.name}/{path.name}"), close())
        return stream

    monkeypatch.setattr(load, "_store_file", failing)
    monkeypatch.setattr(validate, "open_file", tracked)
    with pytest.raises(OSError, match="disk full"):
        load.refresh(settings(env))
    assert checking_threads() == []
    # every file the threads opened, ahead of the failure or not, was closed; two threads open them in their
    # order, each file when it takes it, so the first two may be opened either way round
    assert sorted(opened) == sorted(["2024-01/investigations.csv", "2024-01/judgments.csv",
                                     "2024-02/investigations.csv", "2024-02/prosecutions.csv",
                                     "2024-02/victims.csv", "2024-03/investigations.csv"][:len(opened)])
    assert len(opened) >= 5
    assert sorted(closed) == sorted(opened)
    assert query("select count(*) from loads") == [(0,)]
