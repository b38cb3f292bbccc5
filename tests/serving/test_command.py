"""``nbops serve`` refuses bad arguments in one line (exit 2) before it listens."""

from __future__ import annotations

import pytest

from nbops.cli import main


@pytest.mark.parametrize(
    "argv, words",
    [
        (["nosuch"], ["no model named 'nosuch'"]),
        (["churn:9"], ["no version or alias 9"]),
        (["churn@nosuch"], ["no version or alias 'nosuch'"]),
        (["churn:x"], ["'x'", "whole number"]),
        (["churn", "--canary", "candidate"], ["--canary 'candidate'", "PERCENT"]),
        (["churn", "--canary", "candidate=150"], ["between 0 and 100"]),
        (["churn", "--canary", "other@candidate=10"], ["names model 'other'"]),
        (["churn", "--workers", "0"], ["--workers 0"]),
        (["churn", "--port", "70000"], ["--port 70000"]),
        (["churn", "--flush-seconds", "0"], ["--flush-seconds 0.0", "0.01 to 3600"]),
        (["churn", "--flush-seconds", "nan"], ["--flush-seconds nan"]),
    ],
)
def test_bad_arguments_exit_2_with_one_line(serving_home, monkeypatch, capsys, argv, words):
    monkeypatch.setenv("NBOPS_HOME", str(serving_home))
    assert main(["serve", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nbops serve: ") and "\n" not in err, err
    for word in words:
        assert word in err, err


def test_canary_and_shadow_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "churn", "--canary", "candidate=10", "--shadow", "candidate"])
    assert exit_.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
