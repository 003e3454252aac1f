// Arithmetic updates are for numeric columns.
use trato_hive_db::*;

fn main() {
    let _ = Deal::NAME.increment("x".to_string());
}
