import pytest

from synth.errors import InputError
from synth.relational.database import read_database, subset
from synth.relational.target import write_database
from tests.conftest import ROOT

BERKA = ROOT / "data" / "berka"


def test_tables_are_written_with_their_keys_and_read_back_from_the_catalog(tmp_path):
    real = read_database(BERKA, BERKA / "keys.yaml")
    url = f"sqlite:///{tmp_path / 'target.db'}"
    write_database(real.tables, real.keys, url)
    back = read_database(url)
    assert back.keys_from == "catalog"
    for name, table in real.keys.tables.items():
        assert back.keys.tables[name].primary_key == table.primary_key
        assert set(back.keys.tables[name].foreign_keys) == set(table.foreign_keys)
        assert len(back.tables[name]) == len(real.tables[name])


def test_a_table_already_in_the_target_is_refused_and_nothing_is_written(tmp_path):
    real = subset(read_database(BERKA, BERKA / "keys.yaml"), ["district", "account", "loan"])
    url = f"sqlite:///{tmp_path / 'target.db'}"
    write_database({"loan": real.tables["loan"]}, subset(real, ["loan"]).keys, url)
    with pytest.raises(
        InputError, match=r"table 'loan' already exists in the target; choose an empty schema"
    ):
        write_database(real.tables, real.keys, url)
    assert set(read_database(url).tables) == {"loan"}  # the other tables were rolled back
