//! Cross-crate tests. The library holds code generated from fixture schemas (`tests/schemas/`), so that
//! building this crate proves the generated code compiles; `tests/tests/` exercises it.

#[rustfmt::skip]
pub mod all_types;
