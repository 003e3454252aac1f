//! Emitters: read the validated model, return generated files as a sorted map (no IO here).

mod names;
mod parts;
mod roles;
pub mod rust;
pub mod sql;
pub mod typescript;

pub use names::{is_rust_keyword, rust_ident, snake_case, variant_name};
pub use parts::render_migration;
