// Required columns are never NULL: they have no null checks.
use trato_hive_db::*;

fn main() {
    let _ = Deal::NAME.is_null();
}
