// The tenant key is injected from the scope; a create input cannot set it.
use trato_hive_db::*;

fn main() {
    let _ = DealCreate::new("Project Sky".into()).organization_id("cm1org123");
}
