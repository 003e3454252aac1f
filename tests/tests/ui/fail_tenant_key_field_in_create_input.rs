// Not even through the struct's fields.
use trato_hive_db::*;

fn main() {
    let mut input = DealCreate::new("Project Sky".into());
    input.organization_id = "cm1org123".to_string();
}
