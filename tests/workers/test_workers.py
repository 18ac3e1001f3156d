from workers_fakes import work

from consentry.workers import choose_workers, run_parallel


def test_serial_keeps_going_past_errors() -> None:
    outcomes = list(run_parallel(work, [b"a", b"bad", b"ccc"], workers=1))
    assert [o.result for o in outcomes] == [1, None, 3]
    assert outcomes[1].error is not None and outcomes[1].error.code == "corrupt"


def test_unexpected_exception_becomes_internal_error() -> None:
    outcomes = list(run_parallel(work, [b"bug"], workers=1))
    assert outcomes[0].error is not None and outcomes[0].error.code == "internal"


def test_ordered_parallel_results() -> None:
    items = [b"x" * i for i in range(1, 21)] + [b"bad"]
    outcomes = list(run_parallel(work, items, workers=2, ordered=True))
    assert [o.index for o in outcomes] == list(range(21))
    assert [o.result for o in outcomes[:-1]] == list(range(1, 21))
    assert outcomes[-1].error is not None and outcomes[-1].error.code == "corrupt"


def test_a_crashing_item_only_fails_itself() -> None:
    items = [b"x" * i for i in range(1, 7)]
    items.insert(3, b"crash")
    outcomes = sorted(run_parallel(work, items, workers=2), key=lambda o: o.index)
    assert len(outcomes) == 7
    assert [o.index for o in outcomes if o.error is not None] == [3]
    assert outcomes[3].error is not None and outcomes[3].error.code == "worker-crashed"
    assert all(o.result == len(o.item) for o in outcomes if o.index != 3)


def test_a_crashed_in_memory_item_is_named_by_position_never_by_content() -> None:
    items = [b"fine", b"crash: secret pixel bytes", b"also fine"]
    outcomes = sorted(run_parallel(work, items, workers=2), key=lambda o: o.index)
    assert [o.result for o in outcomes] == [4, None, 9]
    error = outcomes[1].error
    assert error is not None and error.code == "worker-crashed"
    assert "input #2" in error.message
    assert "secret" not in error.message


def test_choose_workers_uses_one_process_for_few_files() -> None:
    assert choose_workers(None, 3) == 1
    assert choose_workers(4, 2) == 2
    assert choose_workers(1, 1000) == 1
