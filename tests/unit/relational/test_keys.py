import pytest

from synth.errors import InputError, JobError
from synth.relational.keys import Keys, load_keys
from tests.conftest import ROOT

BERKA = ROOT / "data" / "berka"


def test_the_bundled_keys_file_orders_parents_before_children():
    keys = load_keys(BERKA / "keys.yaml")
    order = keys.parents_first()
    assert len(order) == 8 and keys.reference == ("district",)
    for name, table in keys.tables.items():
        assert all(order.index(fk.parent) < order.index(name) for fk in table.foreign_keys)
    assert order.index("district") < order.index("account") < order.index("disp") < order.index("card")
    assert {child for child, _ in keys.children("account")} == {"disp", "loan", "order", "trans"}


def test_a_cycle_of_keys_is_one_line_naming_it():
    keys = Keys.model_validate({"tables": {
        "a": {"primary_key": "id", "foreign_keys": [{"column": "b_id", "references": "b.id"}]},
        "b": {"primary_key": "id", "foreign_keys": [{"column": "a_id", "references": "a.id"}]},
    }})  # fmt: skip
    with pytest.raises(
        InputError, match=r"keys: the foreign keys form a cycle \((a -> b -> a|b -> a -> b)\)"
    ):
        keys.parents_first()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tables: {loan: {primary_key: loan_id, foreign_keys: [{column: a, references: account}]}}",
         r"tables\.loan\.foreign_keys\.0\.references: .*must be table\.column"),
        ("tables: {loan: {primary: loan_id}}", r"tables\.loan\.primary: Extra inputs"),
        ("tables: [", r"not YAML"),
    ],
)  # fmt: skip
def test_a_bad_keys_file_is_one_line_naming_the_entry(tmp_path, text, message):
    path = tmp_path / "keys.yaml"
    path.write_text(text)
    with pytest.raises(JobError, match=message):
        load_keys(path)
