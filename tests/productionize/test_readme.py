"""The README's productionize section lists exactly the diagnostic codes the code emits."""

from pathlib import Path

from nbops.productionize.diagnostics import codes_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_diagnostics_table_matches_the_codes():
    text = README.read_text() if README.exists() else ""
    assert "| code | severity | meaning |" in text, "README.md lacks the productionize diagnostics table"
    start = text.index("| code | severity | meaning |")
    table = "\n".join(line for line in text[start:].splitlines() if line.startswith("|"))
    first_block = table[: len(codes_table())]
    assert first_block == codes_table()
