//! `#[derive(Model)]`.

mod ast;
mod attr;
mod expand;
mod valid;

use proc_macro2::TokenStream;

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    match ast::ModelDef::from_input(input) {
        Ok(def) => expand::expand(&def),
        Err(err) => {
            // The errors, plus a stub impl so that uses of the model do not cascade into more errors.
            let stub = expand::stub(&input.ident);
            let errors = err.to_compile_error();
            quote::quote!(#errors #stub)
        }
    }
}
