import pytest

from synth.errors import InputError
from synth.relational.database import Database, read_database
from synth.relational.integrity import check_database
from synth.relational.keys import Keys
from tests.conftest import ROOT

BERKA = ROOT / "data" / "berka"


@pytest.fixture(scope="module")
def berka() -> Database:
    return read_database(BERKA, BERKA / "keys.yaml")


def _with(database: Database, **tables) -> Database:
    return Database({**database.tables, **tables}, database.keys, "berka", database.keys_from)


def _keys(database: Database, table: str, **change) -> Database:
    payload = database.keys.model_dump()
    payload["tables"][table].update(change)
    return Database(database.tables, Keys.model_validate(payload), "berka", "file")


def test_the_bundled_subset_has_every_key_intact(berka):
    checked = check_database(berka, orphans="fail")
    assert checked.orphans == {} and checked.order[0] == "district"


def test_orphans_are_counted_then_dropped_with_their_children_kept_or_refused(berka):
    disp = berka.tables["disp"].copy()
    disp.loc[:2, "account_id"] = -1  # three dispositions of no account
    broken = _with(berka, disp=disp)
    dropped = check_database(broken, orphans="drop")
    assert dropped.orphans["disp.account_id"] == 3
    assert len(dropped.database.tables["disp"]) == len(disp) - 3
    cards_of_dropped = berka.tables["card"]["disp_id"].isin(disp.loc[:2, "disp_id"]).sum()
    assert dropped.orphans.get("card.disp_id", 0) == cards_of_dropped  # their cards follow
    kept = check_database(broken, orphans="keep")
    assert len(kept.database.tables["disp"]) == len(disp) and kept.orphans["disp.account_id"] == 3
    with pytest.raises(
        InputError, match=r"table 'disp', column 'account_id': 3 rows point at no row of 'account'"
    ):
        check_database(broken, orphans="fail")
    assert len(berka.tables["disp"]) == len(disp)  # the input is never modified


def test_a_duplicate_primary_key_is_one_line(berka):
    loan = berka.tables["loan"].copy()
    loan.loc[1, "loan_id"] = loan.loc[0, "loan_id"]
    with pytest.raises(
        InputError, match=r"table 'loan', column 'loan_id' \(primary key\): 1 duplicate values"
    ):
        check_database(_with(berka, loan=loan))


@pytest.mark.parametrize(
    ("table", "change", "message"),
    [
        ("loan", {"foreign_keys": [{"column": "account_id", "references": "accounts.account_id"}]},
         r"table 'loan', column 'account_id' references table 'accounts', which is not in the database"),
        ("loan", {"foreign_keys": [{"column": "account_id", "references": "account.acct"}]},
         r"references 'account.acct', but 'account' has no column 'acct'"),
        ("loan", {"primary_key": "id"}, r"table 'loan' has no column 'id'"),
        ("trans", {"order_by": "booked"}, r"table 'trans' has no column 'booked' \(its order_by"),
        ("trans", {"order_by": "type"}, r"table 'trans', column 'type' \(order_by\) is not a date"),
        ("account", {"order_by": "date", "foreign_keys": []},
         r"'account' has order_by 'date' but no foreign key"),
    ],
)  # fmt: skip
def test_a_key_to_a_missing_table_or_column_is_one_line(berka, table, change, message):
    with pytest.raises(InputError, match=message):
        check_database(_keys(berka, table, **change))
