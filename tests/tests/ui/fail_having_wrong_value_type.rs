// A HAVING value has the aggregate's type: a count compares with an i64, not text.
use trato_hive_db::runtime::aggregate::{count, Compare};

fn main() {
    let _ = <_ as Compare<trato_hive_db::Deal>>::gt(count(), "two");
}
