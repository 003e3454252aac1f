// Text matching is for text columns.
use trato_hive_db::*;

fn main() {
    let _ = Deal::PROBABILITY.contains("5", runtime::Case::Sensitive);
}
