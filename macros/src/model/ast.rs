//! What `#[derive(Model)]` reads, in our own types: a [`ModelDef`] built from the struct and its
//! `#[model(...)]` attributes ([`super::attr`]) once [`super::valid`] found nothing wrong. Every error of
//! both is collected in one [`Errors`] and reported together.

use syn::DeriveInput;

use super::attr;
use super::valid;

/// The one error collector of a derive: every error is kept and reported together (`syn::Error::combine`).
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    /// Keeps `e` with the others.
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    /// Every error so far, if any.
    pub fn finish(self) -> Option<syn::Error> {
        self.0
    }
}

pub struct ColumnDef {
    pub field: syn::Ident,
    pub ty: syn::Type,
    pub column: String,
    /// The SQL type (`sql = "..."`), for casts; empty when not given.
    pub sql_type: String,
    pub default: Option<String>,
    pub updated_at: bool,
    pub nullable: bool,
}

/// `#[model(membership(...))]`: the schema's `@@membership`.
#[derive(Debug, Default)]
pub struct MembershipDef {
    pub user: String,
    pub role: String,
    /// The roles, highest first.
    pub ranks: Vec<String>,
    pub read_only: Vec<String>,
    /// The roles some `@@writableBy` lists.
    pub managers: Vec<String>,
    /// `audit_sink = AUDIT_LOG`: the static the impl's `audit_sink()` returns (the schema's `@@auditLog`).
    pub audit_sink: Option<syn::Path>,
}

pub struct RelationDef {
    pub field: String,
    pub target: String,
    pub kind: String,
    pub name: String,
    pub columns: Vec<String>,
    pub references: Vec<String>,
    /// `join_schema = "..."`: the PostgreSQL schema of a many-to-many join table (multi-schema).
    pub join_schema: Option<String>,
}

pub enum TenancyDef {
    Unmarked,
    Root,
    Owned(String),
    Global,
}

pub struct ModelDef {
    pub ident: syn::Ident,
    pub name: String,
    pub table: String,
    /// `schema = "..."`: the table's PostgreSQL schema (multi-schema).
    pub schema: Option<String>,
    pub columns: Vec<ColumnDef>,
    pub primary_key: Vec<String>,
    pub uniques: Vec<Vec<String>>,
    pub relations: Vec<RelationDef>,
    pub tenancy: TenancyDef,
    pub audited: bool,
    pub soft_delete: Option<String>,
    /// `write_roles("OWNER", ...)`: the membership roles that may write (empty: any writer).
    pub write_roles: Vec<String>,
    /// `membership(...)`: this model is the schema's membership; the derive writes its `Membership` impl.
    pub membership: Option<MembershipDef>,
    /// `view`: a database view, read-only (no inputs, no write methods).
    pub view: bool,
}

impl ModelDef {
    /// The model of `input`, or every error found in it.
    pub fn from_input(input: &DeriveInput) -> syn::Result<ModelDef> {
        let mut errors = Errors::default();
        valid::generics(input, &mut errors);
        let columns = attr::columns(input, &mut errors)?;
        let raw = attr::model(input, &mut errors);
        valid::model(input, &columns, &raw, &mut errors);
        let table = raw.table.clone();
        match (errors.finish(), table) {
            (Some(e), _) => Err(e),
            (None, None) => Err(syn::Error::new_spanned(&input.ident, "invalid model")),
            (None, Some(table)) => Ok(ModelDef {
                ident: input.ident.clone(),
                name: raw.name,
                table,
                schema: raw.schema,
                columns,
                primary_key: raw.primary_key.iter().map(syn::LitStr::value).collect(),
                uniques: raw
                    .uniques
                    .iter()
                    .map(|u| u.iter().map(syn::LitStr::value).collect())
                    .collect(),
                relations: raw.relations,
                tenancy: raw.tenancy.into_iter().next().map_or(TenancyDef::Unmarked, |(t, _)| t),
                audited: raw.audited,
                soft_delete: raw.soft_delete,
                write_roles: raw.write_roles,
                membership: raw.membership,
                view: raw.view,
            }),
        }
    }
}
