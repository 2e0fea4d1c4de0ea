"""The one way off the GUI thread: a task runs on a worker thread, its answer comes back on the
GUI thread, tasks of a one-thread runner run one at a time in the order asked, and a closed
runner drops the answers still on their way."""

import threading
import time

from ticket.ui.tasks import TaskRunner


def test_the_answer_comes_back_on_the_gui_thread(qtbot):
    runner = TaskRunner(threads=2)
    gui = threading.current_thread()
    seen = []
    runner.run(
        lambda: threading.current_thread(),
        lambda worker: seen.append((worker, threading.current_thread())),
        seen.append,
    )
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    worker, delivered_on = seen[0]
    assert worker is not gui and delivered_on is gui
    assert not runner.busy
    runner.close()


def test_an_exception_goes_to_on_error_and_is_never_raised_on_the_worker(qtbot):
    runner = TaskRunner(threads=1)
    errors, results = [], []

    def fails():
        raise ValueError("the server said no")

    runner.run(fails, results.append, errors.append)
    runner.run(lambda: 42, results.append, errors.append)  # the worker lives on
    qtbot.waitUntil(lambda: bool(results), timeout=3000)
    assert [str(e) for e in errors] == ["the server said no"] and results == [42]
    runner.close()


def test_one_thread_runs_its_tasks_one_at_a_time_in_the_order_asked(qtbot):
    runner = TaskRunner(threads=1)
    started, finished, delivered = [], [], []
    overlap = []

    def task(n):
        def work():
            if len(started) != len(finished):
                overlap.append(n)
            started.append(n)
            time.sleep(0.005)
            finished.append(n)
            return n

        return work

    for n in range(8):
        runner.run(task(n), delivered.append, lambda exc: None)
    assert runner.busy
    qtbot.waitUntil(lambda: len(delivered) == 8, timeout=5000)
    assert started == finished == delivered == list(range(8))
    assert overlap == []
    runner.close()


def test_close_waits_for_the_running_task_and_drops_its_answer(qtbot):
    runner = TaskRunner(threads=1)
    release = threading.Event()
    answers = []
    runner.run(lambda: release.wait(5) and "sent", answers.append, answers.append)
    threading.Timer(0.1, release.set).start()
    assert runner.close(3000)  # returns once the task has returned
    assert release.is_set()
    qtbot.wait(50)
    assert answers == [] and not runner.busy  # whoever asked has gone


def test_wait_says_when_time_ran_out(qtbot):
    runner = TaskRunner(threads=1)
    release = threading.Event()
    runner.run(lambda: release.wait(5), lambda _: None, lambda _: None)
    assert runner.wait(50) is False
    release.set()
    assert runner.wait(3000) is True
    runner.close()


def test_a_closed_runner_deleted_with_its_owner_is_not_busy_once_its_task_returned(qtbot):
    """The window closed and deleted while an order's answer was on its way: the answer has
    nobody to go to, and the runner is idle once the order call returned."""
    from PySide6.QtWidgets import QWidget

    owner = QWidget()
    runner = TaskRunner(threads=1, parent=owner)
    release = threading.Event()
    runner.run(lambda: release.wait(5), lambda _: None, lambda _: None)
    runner.close(10)  # the task still runs
    assert runner.busy
    owner.deleteLater()
    qtbot.wait(20)  # deleted, with the runner and its relay
    release.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=3000)


def test_prestarted_workers_wait_for_the_first_task(qtbot):
    runner = TaskRunner(threads=1)
    runner.prestart()
    (worker,) = runner._workers
    assert worker.is_alive()
    seen = []
    runner.run(threading.current_thread, seen.append, seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    assert seen == [worker] and runner._workers == [worker]  # no second thread started
    runner.close()
