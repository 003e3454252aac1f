// A filter value has the column's type: a stage is a DealStage, not a string.
use trato_hive_db::*;

fn main() {
    let _ = Deal::STAGE.eq("SOURCING");
}
