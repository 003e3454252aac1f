// Sums and averages are for numeric columns.
use trato_hive_db::runtime::aggregate::sum;
use trato_hive_db::*;

fn main() {
    let _ = sum(Deal::NAME);
}
