//! Expansion of `#[derive(PgEnum)]`.

use proc_macro2::TokenStream;
use quote::quote;

use super::ast::EnumDef;

pub fn expand(def: &EnumDef) -> TokenStream {
    let p = quote!(::trato_hive_runtime::__private);
    let ident = &def.ident;
    let type_name = &def.type_name;
    let idents: Vec<_> = def.variants.iter().map(|v| &v.ident).collect();
    let names: Vec<_> = def.variants.iter().map(|v| &v.name).collect();
    let db_names: Vec<_> = def.variants.iter().map(|v| &v.db_name).collect();
    let db_bytes: Vec<_> = def
        .variants
        .iter()
        .map(|v| syn::LitByteStr::new(v.db_name.as_bytes(), proc_macro2::Span::call_site()))
        .collect();
    quote! {
        #[automatically_derived]
        impl #ident {
            /// Every value, in schema order.
            pub const VARIANTS: &'static [Self] = &[#(Self::#idents),*];
            /// Every value as stored in PostgreSQL, in schema order (for a membership's role enum: the
            /// ranks, highest first).
            pub const DB_VALUES: &'static [&'static str] = &[#(#db_names),*];
            /// The PostgreSQL type this enum maps to.
            pub const PG_TYPE: &'static str = #type_name;

            /// The value as spelled in the schema.
            pub const fn as_str(&self) -> &'static str {
                match self { #(Self::#idents => #names),* }
            }

            /// The value as stored in PostgreSQL.
            pub const fn db_value(&self) -> &'static str {
                match self { #(Self::#idents => #db_names),* }
            }
        }

        #[automatically_derived]
        impl ::std::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[automatically_derived]
        impl ::std::str::FromStr for #ident {
            type Err = ::trato_hive_runtime::UnknownEnumValue;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                match s {
                    #(#names => ::std::result::Result::Ok(Self::#idents),)*
                    other => ::std::result::Result::Err(#p::enum_from_str_error(#type_name, other)),
                }
            }
        }

        #[automatically_derived]
        impl #p::serde::Serialize for #ident {
            fn serialize<S: #p::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        #[automatically_derived]
        impl<'de> #p::serde::Deserialize<'de> for #ident {
            fn deserialize<D: #p::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as #p::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(<D::Error as #p::serde::de::Error>::custom)
            }
        }

        #[automatically_derived]
        impl #p::postgres_types::ToSql for #ident {
            fn to_sql(
                &self,
                _ty: &#p::postgres_types::Type,
                out: &mut #p::bytes::BytesMut,
            ) -> ::std::result::Result<#p::postgres_types::IsNull, ::std::boxed::Box<dyn ::std::error::Error + ::std::marker::Sync + ::std::marker::Send>> {
                out.extend_from_slice(self.db_value().as_bytes());
                ::std::result::Result::Ok(#p::postgres_types::IsNull::No)
            }

            fn accepts(ty: &#p::postgres_types::Type) -> bool {
                ty.name() == #type_name
            }

            #p::postgres_types::to_sql_checked!();
        }

        #[automatically_derived]
        impl<'a> #p::postgres_types::FromSql<'a> for #ident {
            fn from_sql(
                _ty: &#p::postgres_types::Type,
                raw: &'a [u8],
            ) -> ::std::result::Result<Self, ::std::boxed::Box<dyn ::std::error::Error + ::std::marker::Sync + ::std::marker::Send>> {
                match raw {
                    #(#db_bytes => ::std::result::Result::Ok(Self::#idents),)*
                    other => ::std::result::Result::Err(::std::boxed::Box::new(#p::enum_from_str_error(#type_name, &::std::string::String::from_utf8_lossy(other)))),
                }
            }

            fn accepts(ty: &#p::postgres_types::Type) -> bool {
                ty.name() == #type_name
            }
        }
    }
}
