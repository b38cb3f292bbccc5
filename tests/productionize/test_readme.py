"""The productionize docs page lists exactly the diagnostic codes the code emits."""

from pathlib import Path

from nbops.productionize.diagnostics import codes_table

README = Path(__file__).resolve().parents[2] / "docs" / "productionize.md"
HEADER = "| code | severity | meaning |"


def readme_codes_table(text: str) -> str:
    """The table's rows: from its header to the first line that is not a table row."""
    assert HEADER in text, "docs/productionize.md lacks the diagnostics table"
    rows = []
    for line in text[text.index(HEADER) :].splitlines():
        if not line.startswith("|"):
            break
        rows.append(line)
    return "\n".join(rows)


def test_readme_diagnostics_table_matches_the_codes():
    assert readme_codes_table(README.read_text()) == codes_table()


def test_an_extra_or_missing_row_is_noticed():
    table = codes_table()
    text = README.read_text()
    assert readme_codes_table(text.replace(table, table + "\n| NB999 | error | not a code |")) != table
    assert readme_codes_table(text.replace(table, table.rsplit("\n", 1)[0])) != table
