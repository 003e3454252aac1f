//! Expansion of `#[derive(Model)]`: a constant `ModelMeta`.

use proc_macro2::TokenStream;
use quote::quote;

use super::ast::{ModelDef, TenancyDef};

pub fn expand(def: &ModelDef) -> TokenStream {
    let rt = quote!(::trato_hive_runtime);
    let ident = &def.ident;
    let name = &def.name;
    let table = &def.table;
    let columns = def.columns.iter().map(|c| {
        let field = c.field.to_string();
        let field = field.trim_start_matches("r#");
        let column = &c.column;
        let default = match c.default.as_deref() {
            None => quote!(::std::option::Option::None),
            Some(k) => {
                let variant = match k {
                    "dbgenerated" => "DbGenerated".to_string(),
                    other => capitalize(other),
                };
                let variant = syn::Ident::new(&variant, proc_macro2::Span::call_site());
                quote!(::std::option::Option::Some(#rt::DefaultKind::#variant))
            }
        };
        let updated_at = c.updated_at;
        let nullable = c.nullable;
        quote!(#rt::ColumnMeta { field: #field, column: #column, default: #default, updated_at: #updated_at, nullable: #nullable })
    });
    let pk = &def.primary_key;
    let uniques = def.uniques.iter().map(|u| quote!(&[#(#u),*]));
    let relations = def.relations.iter().map(|r| {
        let (field, target, name) = (&r.field, &r.target, &r.name);
        let kind = syn::Ident::new(&r.kind.split('_').map(capitalize).collect::<String>(), proc_macro2::Span::call_site());
        let (cols, refs) = (&r.columns, &r.references);
        quote!(#rt::RelationMeta { field: #field, target: #target, kind: #rt::RelationKindMeta::#kind, name: #name, columns: &[#(#cols),*], references: &[#(#refs),*] })
    });
    let tenancy = match &def.tenancy {
        TenancyDef::Unmarked => quote!(#rt::TenancyMeta::Unmarked),
        TenancyDef::Root => quote!(#rt::TenancyMeta::Root),
        TenancyDef::Global => quote!(#rt::TenancyMeta::Global),
        TenancyDef::Owned(key) => quote!(#rt::TenancyMeta::Owned { key: #key }),
    };
    quote! {
        #[automatically_derived]
        impl #rt::Model for #ident {
            const META: #rt::ModelMeta = #rt::ModelMeta {
                name: #name,
                table: #table,
                columns: &[#(#columns),*],
                primary_key: &[#(#pk),*],
                uniques: &[#(#uniques),*],
                relations: &[#(#relations),*],
                tenancy: #tenancy,
            };
        }
    }
}

/// An impl with empty metadata, emitted beside the errors so that one mistake does not cascade.
pub fn stub(ident: &syn::Ident) -> TokenStream {
    let rt = quote!(::trato_hive_runtime);
    quote! {
        impl #rt::Model for #ident {
            const META: #rt::ModelMeta = #rt::ModelMeta {
                name: "", table: "", columns: &[], primary_key: &[], uniques: &[], relations: &[],
                tenancy: #rt::TenancyMeta::Unmarked,
            };
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}
