// A create input needs every required field.
use trato_hive_db::*;

fn main() {
    let _ = ActivityCreate::new(ActivityType::AiQuery);
}
