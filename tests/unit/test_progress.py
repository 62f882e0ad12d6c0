import logging

from synth.progress import LoggedProgress


def test_progress_lines_are_throttled_and_estimate_what_is_left(caplog):
    """A clock of its own: patching ``time.monotonic`` patched it for every thread, and a Prefect
    event loop left running by an earlier test took the fake clock's values (seen in CI).
    """
    clock = iter([0.0, 1.0, 2.0, 12.0, 13.0, 30.0]).__next__
    seen = []
    progress = LoggedProgress(
        logging.getLogger("t"), inner=lambda *a: seen.append(a), every=10.0, clock=clock
    )
    with caplog.at_level(logging.INFO, logger="t"):
        for done in (1, 2, 3, 13, 14, 30):
            progress("fit", done, 30)
    assert len(seen) == 6  # the terminal bar sees every call
    assert [r.getMessage() for r in caplog.records] == [
        "fit: 1 of 30 (3 %)",  # first call: no rate yet
        "fit: 13 of 30 (43 %), about 17 s left",  # 12 s later at one per second
        "fit: 30 of 30 (100 %)",  # the last call always logs
    ]


def test_an_epochs_figures_are_logged_with_it(caplog):
    seen = []
    progress = LoggedProgress(logging.getLogger("t"), inner=lambda *a, **k: seen.append(k), every=0.0)
    with caplog.at_level(logging.INFO, logger="t"):
        progress("fit", 1, 4, loss=12.34567)
    assert caplog.records[0].getMessage() == "fit: 1 of 4 (25 %), loss 12.35"
    assert seen == [{"loss": 12.34567}]
