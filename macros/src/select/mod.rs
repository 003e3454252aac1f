//! `#[derive(Select)]`: a partial model (Prisma's `select` / `omit`), a struct naming some of a model's
//! fields with their types, read by `Repo::select` with only those columns in the statement.

mod ast;
mod expand;

use proc_macro2::TokenStream;

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    match ast::SelectDef::from_input(input) {
        Ok(def) => expand::expand(&def),
        Err(err) => err.to_compile_error(),
    }
}
