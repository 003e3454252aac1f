// Nor from a variable holding a string.
use trato_hive_db::runtime::sql;

fn main() {
    let statement = String::from("SELECT 1");
    let _ = sql!(statement);
}
