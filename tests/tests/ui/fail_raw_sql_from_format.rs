// Raw SQL is a string literal; SQL built from runtime strings does not compile.
use trato_hive_db::runtime::sql;

fn main() {
    let user_input = "x' OR 1=1 --";
    let _ = sql!(format!("SELECT * FROM deals WHERE name = '{user_input}'"));
}
