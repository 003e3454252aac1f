//! Derive macros for generated models. Thin entry points; each derive has an `ast` module (attributes
//! parsed into our own types, with spanned checks) and an `expand` module (quote).
//!
//! Macro output names only `::trato_hive_runtime` paths (its `__private` module for third-party crates).

mod krate;
mod model;
mod pg_enum;
mod select;
mod sql;
mod typed_sql;

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

/// A partial model (Prisma's `select` / `omit`): `#[derive(Select)] #[select(model = Deal)] struct DealCard
/// { id: String, name: String }` reads only those columns through `repo.select::<DealCard>(query)`. Each
/// field must be a field of the model with its type: anything else does not compile.
#[proc_macro_derive(Select, attributes(select))]
pub fn derive_select(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    select::derive(&input).into()
}

/// The checked expansion of the runtime's `sql!` (which forwards here with its crate path first): see
/// `sql.rs`. Not for direct use.
#[doc(hidden)]
#[proc_macro]
pub fn __checked_sql(input: TokenStream) -> TokenStream {
    sql::expand(input.into()).into()
}

/// The checked expansion of the runtime's `query_as!` (which forwards here with its crate path first): see
/// `typed_sql/mod.rs`. Not for direct use.
#[doc(hidden)]
#[proc_macro]
pub fn __typed_sql(input: TokenStream) -> TokenStream {
    typed_sql::expand(input.into()).into()
}

/// Snapshot tests of the expansions: the pretty-printed output of each derive for a representative input,
/// compared with `tests/expand/*.expanded.rs` (refresh with `UPDATE_EXPECT=1`).
#[cfg(test)]
mod expand_snapshots {
    fn check(name: &str, input: &str, expand: fn(&syn::DeriveInput) -> proc_macro2::TokenStream) {
        let input: syn::DeriveInput = syn::parse_str(input).expect("valid input");
        let file: syn::File = syn::parse2(expand(&input)).expect("expansion parses as Rust");
        let text = prettyplease::unparse(&file);
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/expand")
            .join(format!("{name}.expanded.rs"));
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&path, &text).expect("write snapshot");
            return;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            expected == text,
            "{} differs; run with UPDATE_EXPECT=1 and review\n{text}",
            path.display()
        );
    }

    #[test]
    fn model_expansion() {
        check(
            "model_deal",
            r#"
            #[model(name = "Deal", table = "deals", primary_key("organization_id", "id"))]
            #[model(tenant_key = "organization_id")]
            #[model(unique("organization_id", "name"))]
            #[model(relation(field = "company", target = "Company", kind = "many_to_one", name = "CompanyToDeal", fields("company_id"), references("id")))]
            #[model(relation(field = "documents", target = "Document", kind = "one_to_many", name = "DealToDocument", fields("id"), references("deal_id")))]
            pub struct Deal {
                #[model(sql = "TEXT", default = "cuid")]
                pub id: String,
                #[model(sql = "TEXT")]
                pub organization_id: String,
                #[model(sql = "TEXT")]
                pub company_id: Option<String>,
                #[model(sql = "TEXT")]
                pub name: String,
                #[model(sql = "\"DealStage\"", default = "literal")]
                pub stage: DealStage,
                #[model(sql = "TIMESTAMPTZ(3)", updated_at)]
                pub updated_at: DateTime,
            }
            "#,
            crate::model::derive,
        );
    }

    #[test]
    fn pg_enum_expansion() {
        check(
            "pg_enum_stage",
            r#"
            #[pg_enum(type_name = "DealStage")]
            pub enum DealStage {
                #[pg_enum(rename = "SOURCING")]
                Sourcing,
                #[pg_enum(rename = "CLOSED_WON", db_name = "closed_won")]
                ClosedWon,
            }
            "#,
            crate::pg_enum::derive,
        );
    }
}
