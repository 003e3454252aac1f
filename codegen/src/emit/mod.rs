//! Emitters: read the validated model, return generated files as a sorted map (no IO here).

mod names;
pub mod rust;

pub use names::{rust_ident, snake_case, variant_name};
