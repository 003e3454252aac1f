//! An application crate written the way the Trato Hive platform uses the data layer: the development seed
//! ([`seed`]), the tour `cargo xtask dev` prints (`src/bin/tour.rs`), and the spec's examples
//! ([`spec_examples`]), run against a real database by the tests.

pub mod seed;
pub mod spec_examples;
