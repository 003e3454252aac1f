//! An application crate written the way the Trato Hive platform uses the data layer: the development seed
//! ([`seed`]), the tour `cargo xtask dev` prints (`src/bin/tour.rs`), and the spec's examples
//! ([`spec_examples`]), run against a real database by the tests.

pub mod seed;
pub mod spec_examples;

/// Installs a log subscriber the way an application would: `RUST_LOG` (`target=level,...`, e.g.
/// `trato_hive=debug`) picks what is printed; with `TRATO_LOG_QUERIES=1` and no `RUST_LOG`, the data
/// layer's statements (`trato_hive::query`, one line each with its duration) are printed. Lines go to
/// standard error.
pub fn init_logging() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;
    let Some(filter) = trato_hive_db::runtime::log_directives().and_then(|w| w.parse::<Targets>().ok()) else {
        return;
    };
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .try_init();
}
