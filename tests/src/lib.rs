//! Cross-crate tests. The library holds code generated from fixture schemas (`tests/schemas/`), so that
//! building this crate proves the generated code compiles, and the database test harness ([`harness`]);
//! `tests/tests/` exercises both.

#[rustfmt::skip]
pub mod all_types;
pub mod harness;

pub use harness::TestDb;
