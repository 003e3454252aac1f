#[derive(trato_hive_runtime::PgEnum)]
enum Stage {
    Open(u8),
}

fn main() {}
