//! Expansion of `#[derive(Select)]`: the field names (the runtime finds their columns in the model's
//! metadata), a mapping from the model's struct that proves each field is a field of the model with its
//! exact type (one error at the field otherwise), and the row reader.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use super::ast::SelectDef;

pub fn expand(def: &SelectDef) -> TokenStream {
    let rt = match &def.krate {
        Some(path) => quote!(#path),
        None => crate::krate::runtime(),
    };
    let (ident, model) = (&def.ident, &def.model);
    let (impl_g, ty_g, where_g) = def.generics.split_for_impl();
    let fields = def
        .fields
        .iter()
        .map(|f| f.to_string().trim_start_matches("r#").to_string());
    let moved = def.fields.iter().map(|f| quote_spanned!(f.span()=> #f: model.#f));
    let reads = def.fields.iter().enumerate().map(|(i, f)| {
        let col = f.to_string();
        quote!(#f: row.try_get(#i).map_err(|e| #rt::Error::Connection(::std::format!("column `{}`: {}", #col, e)))?)
    });
    let check = syn::Ident::new("__trato_select_fields_match_the_model", Span::call_site());
    quote! {
        #[automatically_derived]
        impl #impl_g #rt::Selection<#model> for #ident #ty_g #where_g {
            const FIELDS: &'static [&'static str] = &[#(#fields),*];

            fn from_row(row: &#rt::Row) -> ::std::result::Result<Self, #rt::Error> {
                ::std::result::Result::Ok(#ident { #(#reads),* })
            }
        }

        #[automatically_derived]
        impl #impl_g #ident #ty_g #where_g {
            /// Never called: compiles only when every field has the model field's name and type.
            #[doc(hidden)]
            #[allow(dead_code, clippy::all)]
            fn #check(model: #model) -> Self {
                #ident { #(#moved),* }
            }
        }
    }
}
