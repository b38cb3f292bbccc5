"""The generated package's ``_workdir.inside``: the steps run as the notebook's cells ran."""

import os
import sys

import pytest

from nbops.productionize.workdir import inside


@pytest.mark.parametrize("use_folder", [True, False])
def test_steps_see_no_command_line_arguments_and_the_runners_come_back(tmp_path, monkeypatch, use_folder):
    monkeypatch.setattr(sys, "argv", ["prog", "run", "--cache", "out"])
    here = os.getcwd()
    with pytest.raises(RuntimeError), inside(tmp_path if use_folder else None):
        assert sys.argv == ["prog"]
        assert os.getcwd() == (str(tmp_path) if use_folder else here)
        assert (sys.path[0] == str(tmp_path)) is use_folder
        raise RuntimeError("a failing step")
    assert sys.argv == ["prog", "run", "--cache", "out"]
    assert os.getcwd() == here and str(tmp_path) not in sys.path
