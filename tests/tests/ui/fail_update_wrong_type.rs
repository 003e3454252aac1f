// An update value has the column's type.
use trato_hive_db::*;

fn main() {
    let _ = DealUpdate::default().probability("high");
}
