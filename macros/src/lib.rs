//! Derive macros for generated models. Thin entry points; each derive has an `ast` module (attributes
//! parsed into our own types, with spanned checks) and an `expand` module (quote).
//!
//! Macro output names only `::trato_hive_runtime` paths (its `__private` module for third-party crates).

mod model;
mod pg_enum;

use proc_macro::TokenStream;

/// Records a model's table, columns, keys, relations and tenancy as `impl trato_hive_runtime::Model`.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    model::derive(&input).into()
}

/// Maps a Rust enum to a PostgreSQL enum type: `ToSql`/`FromSql`, serde, `Display` and `FromStr`, all with
/// the schema's spelling of each value.
#[proc_macro_derive(PgEnum, attributes(pg_enum))]
pub fn derive_pg_enum(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    pg_enum::derive(&input).into()
}
