//! `#[model(...)]` attributes parsed into our types: the field attributes into [`ColumnDef`]s, the struct's
//! into a [`RawModel`] (what [`super::valid`] then checks). Unknown keys are errors at their span, with the
//! list of keys there are.

use syn::punctuated::Punctuated;
use syn::{Data, DeriveInput, Fields, LitStr, Token};

use super::ast::{ColumnDef, Errors, MembershipDef, RelationDef, TenancyDef};

const DEFAULT_KINDS: &[&str] = &[
    "autoincrement",
    "now",
    "cuid",
    "uuid",
    "nanoid",
    "ulid",
    "dbgenerated",
    "literal",
];
const RELATION_KINDS: &[&str] = &["many_to_one", "one_to_many", "one_to_one", "many_to_many"];

/// The struct's `#[model(...)]` attributes as written, before the checks.
pub struct RawModel {
    pub name: String,
    pub table: Option<String>,
    pub schema: Option<String>,
    pub primary_key: Vec<LitStr>,
    pub uniques: Vec<Vec<LitStr>>,
    pub relations: Vec<RelationDef>,
    /// Every tenancy marker given, with where (more than one is an error).
    pub tenancy: Vec<(TenancyDef, proc_macro2::Span)>,
    /// Every column name an attribute refers to, for the existence check.
    pub col_refs: Vec<LitStr>,
    pub audited: bool,
    pub soft_delete: Option<String>,
    pub write_roles: Vec<String>,
    pub membership: Option<MembershipDef>,
    pub view: bool,
}

fn lit_list(input: syn::parse::ParseStream) -> syn::Result<Vec<LitStr>> {
    let content;
    syn::parenthesized!(content in input);
    Ok(Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?
        .into_iter()
        .collect())
}

fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Option"),
        _ => false,
    }
}

/// The struct's fields as columns, their `#[model(...)]` attributes read (errors collected).
pub fn columns(input: &DeriveInput, errors: &mut Errors) -> syn::Result<Vec<ColumnDef>> {
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
            _ => {
                return Err(syn::Error::new_spanned(
                    &input.ident,
                    "#[derive(Model)] needs a struct with named fields",
                ));
            }
        },
        _ => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "#[derive(Model)] applies to structs only",
            ))
        }
    };
    let mut columns = Vec::new();
    for f in &fields {
        let Some(ident) = f.ident.clone() else { continue };
        let mut col = ColumnDef {
            column: ident.to_string().trim_start_matches("r#").to_string(),
            ty: f.ty.clone(),
            sql_type: String::new(),
            field: ident,
            default: None,
            updated_at: false,
            nullable: is_option(&f.ty),
        };
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("model")) {
            let res = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("column") {
                    col.column = meta.value()?.parse::<LitStr>()?.value();
                } else if meta.path.is_ident("default") {
                    let lit: LitStr = meta.value()?.parse()?;
                    if !DEFAULT_KINDS.contains(&lit.value().as_str()) {
                        return Err(syn::Error::new_spanned(
                            &lit,
                            format!("unknown default kind; expected one of: {}", DEFAULT_KINDS.join(", ")),
                        ));
                    }
                    col.default = Some(lit.value());
                } else if meta.path.is_ident("updated_at") {
                    col.updated_at = true;
                } else if meta.path.is_ident("sql") {
                    col.sql_type = meta.value()?.parse::<LitStr>()?.value();
                } else {
                    return Err(meta.error(
                        "unknown field attribute; expected `column = \"...\"`, `sql = \"...\"`, `default = \"...\"` or `updated_at`",
                    ));
                }
                Ok(())
            });
            if let Err(e) = res {
                errors.push(e);
            }
        }
        columns.push(col);
    }

    Ok(columns)
}

/// The struct's `#[model(...)]` attributes (errors collected).
pub fn model(input: &DeriveInput, errors: &mut Errors) -> RawModel {
    let mut name = input.ident.to_string();
    let mut table: Option<String> = None;
    let mut schema: Option<String> = None;
    let mut primary_key: Vec<LitStr> = Vec::new();
    let mut uniques: Vec<Vec<LitStr>> = Vec::new();
    let mut relations = Vec::new();
    let mut tenancy: Vec<(TenancyDef, proc_macro2::Span)> = Vec::new();
    let mut col_refs: Vec<LitStr> = Vec::new();
    let mut audited = false;
    let mut soft_delete: Option<String> = None;
    let mut write_roles: Vec<String> = Vec::new();
    let mut membership: Option<MembershipDef> = None;
    let mut view = false;

    for attr in input.attrs.iter().filter(|a| a.path().is_ident("model")) {
        let res = attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            if p.is_ident("name") {
                name = meta.value()?.parse::<LitStr>()?.value();
            } else if p.is_ident("table") {
                table = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if p.is_ident("schema") {
                schema = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if p.is_ident("primary_key") {
                primary_key = lit_list(meta.input)?;
                col_refs.extend(primary_key.iter().cloned());
            } else if p.is_ident("unique") {
                let cols = lit_list(meta.input)?;
                col_refs.extend(cols.iter().cloned());
                uniques.push(cols);
            } else if p.is_ident("tenant_key") {
                let key: LitStr = meta.value()?.parse()?;
                col_refs.push(key.clone());
                tenancy.push((TenancyDef::Owned(key.value()), key.span()));
            } else if p.is_ident("audit") {
                audited = true;
            } else if p.is_ident("soft_delete") {
                let col: LitStr = meta.value()?.parse()?;
                col_refs.push(col.clone());
                soft_delete = Some(col.value());
            } else if p.is_ident("write_roles") {
                write_roles = lit_list(meta.input)?.iter().map(LitStr::value).collect();
            } else if p.is_ident("membership") {
                let mut m = MembershipDef::default();
                meta.parse_nested_meta(|inner| {
                    let key = &inner.path;
                    let list = |input| -> syn::Result<Vec<String>> { Ok(lit_list(input)?.iter().map(LitStr::value).collect()) };
                    if key.is_ident("user") {
                        m.user = inner.value()?.parse::<LitStr>()?.value();
                    } else if key.is_ident("role") {
                        m.role = inner.value()?.parse::<LitStr>()?.value();
                    } else if key.is_ident("ranks") {
                        m.ranks = list(inner.input)?;
                    } else if key.is_ident("read_only") {
                        m.read_only = list(inner.input)?;
                    } else if key.is_ident("managers") {
                        m.managers = list(inner.input)?;
                    } else if key.is_ident("audit_sink") {
                        m.audit_sink = Some(inner.value()?.parse::<syn::Path>()?);
                    } else {
                        return Err(inner.error("unknown membership key; expected user, role, ranks, read_only, managers or audit_sink"));
                    }
                    Ok(())
                })?;
                if m.user.is_empty() || m.role.is_empty() || m.ranks.is_empty() {
                    return Err(meta.error("a membership needs `user`, `role` and `ranks`"));
                }
                membership = Some(m);
            } else if p.is_ident("view") {
                view = true;
            } else if p.is_ident("tenant_root") {
                tenancy.push((TenancyDef::Root, syn::spanned::Spanned::span(p)));
            } else if p.is_ident("global") {
                tenancy.push((TenancyDef::Global, syn::spanned::Spanned::span(p)));
            } else if p.is_ident("relation") {
                let mut rel = RelationDef { field: String::new(), target: String::new(), kind: String::new(), name: String::new(), columns: Vec::new(), references: Vec::new(), join_schema: None };
                let span = syn::spanned::Spanned::span(p);
                meta.parse_nested_meta(|inner| {
                    let key = &inner.path;
                    if key.is_ident("field") {
                        rel.field = inner.value()?.parse::<LitStr>()?.value();
                    } else if key.is_ident("target") {
                        rel.target = inner.value()?.parse::<LitStr>()?.value();
                    } else if key.is_ident("name") {
                        rel.name = inner.value()?.parse::<LitStr>()?.value();
                    } else if key.is_ident("kind") {
                        let lit: LitStr = inner.value()?.parse()?;
                        if !RELATION_KINDS.contains(&lit.value().as_str()) {
                            return Err(syn::Error::new_spanned(&lit, format!("unknown relation kind; expected one of: {}", RELATION_KINDS.join(", "))));
                        }
                        rel.kind = lit.value();
                    } else if key.is_ident("fields") {
                        rel.columns = lit_list(inner.input)?.iter().map(LitStr::value).collect();
                    } else if key.is_ident("references") {
                        rel.references = lit_list(inner.input)?.iter().map(LitStr::value).collect();
                    } else if key.is_ident("join_schema") {
                        rel.join_schema = Some(inner.value()?.parse::<LitStr>()?.value());
                    } else {
                        return Err(inner.error("unknown relation key; expected field, target, kind, name, fields, references or join_schema"));
                    }
                    Ok(())
                })?;
                if rel.field.is_empty() || rel.target.is_empty() || rel.kind.is_empty() {
                    return Err(syn::Error::new(span, "a relation needs `field`, `target` and `kind`"));
                }
                relations.push(rel);
            } else {
                return Err(meta.error("unknown model attribute; expected name, table, schema, primary_key, unique, tenant_key, tenant_root, global, audit, soft_delete, write_roles, membership, view or relation"));
            }
            Ok(())
        });
        if let Err(e) = res {
            errors.push(e);
        }
    }

    RawModel {
        name,
        table,
        schema,
        primary_key,
        uniques,
        relations,
        tenancy,
        col_refs,
        audited,
        soft_delete,
        write_roles,
        membership,
        view,
    }
}
