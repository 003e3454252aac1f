// An update cannot move a row to another tenant.
use trato_hive_db::*;

fn main() {
    let _ = DealUpdate::default().organization_id("cm1other");
}
