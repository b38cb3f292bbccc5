"""``nbops.__all__`` is the public API: exactly what the package exports, every documented
error included, and nothing that is not there."""

import nbops
from nbops import errors


def test_all_names_exist_and_are_unique():
    assert len(nbops.__all__) == len(set(nbops.__all__))
    missing = [name for name in nbops.__all__ if not hasattr(nbops, name)]
    assert not missing


def test_every_error_of_the_tree_is_exported():
    assert set(errors.__all__) <= set(nbops.__all__), sorted(set(errors.__all__) - set(nbops.__all__))
    for name in errors.__all__:
        assert getattr(nbops, name) is getattr(errors, name)
        assert issubclass(getattr(nbops, name), nbops.NbopsError)


def test_public_names_defined_here_are_in_all():
    public = {name for name, value in vars(nbops).items() if not name.startswith("_") and callable(value)}
    assert public <= set(nbops.__all__) | {"load_ipython_extension", "unload_ipython_extension"}, sorted(
        public - set(nbops.__all__)
    )
