//! `#[derive(PgEnum)]`.

mod ast;
mod expand;

use proc_macro2::TokenStream;

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    match ast::EnumDef::from_input(input) {
        Ok(def) => expand::expand(&def),
        Err(err) => err.to_compile_error(),
    }
}
