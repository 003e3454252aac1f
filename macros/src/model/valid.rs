//! Spanned checks of what the attributes say: every column an attribute names is a field's, one tenancy at
//! most, a table and a primary key given, no generics. Errors go to the derive's one collector.

use syn::DeriveInput;

use super::ast::{ColumnDef, Errors};
use super::attr::RawModel;

/// `#[derive(Model)]` does not support generic structs.
pub fn generics(input: &DeriveInput, errors: &mut Errors) {
    if !input.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &input.generics,
            "#[derive(Model)] does not support generic structs",
        ));
    }
}

/// The model attributes against the struct's columns.
pub fn model(input: &DeriveInput, columns: &[ColumnDef], raw: &RawModel, errors: &mut Errors) {
    for lit in &raw.col_refs {
        if !columns.iter().any(|c| c.column == lit.value()) {
            errors.push(syn::Error::new_spanned(
                lit,
                format!("no field of this struct maps to column `{}`", lit.value()),
            ));
        }
    }
    if raw.tenancy.len() > 1 {
        errors.push(syn::Error::new(
            raw.tenancy[1].1,
            "a model has one tenancy: tenant_key, tenant_root or global",
        ));
    }
    if raw.table.is_none() {
        errors.push(syn::Error::new_spanned(
            &input.ident,
            "missing #[model(table = \"...\")]",
        ));
        return;
    }
    if raw.primary_key.is_empty() {
        errors.push(syn::Error::new_spanned(
            &input.ident,
            "missing #[model(primary_key(\"column\", ...))]",
        ));
    }
}
