//! Expansion of `#[derive(Model)]`: the metadata constant, row mapping, the create and update inputs,
//! typed column and relation handles, and the tenancy marker trait that decides where the model's
//! repository can be obtained (a tenant scope, the scope's own root, or the global client).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};

use super::ast::{ColumnDef, ModelDef, TenancyDef};

fn rt() -> TokenStream {
    quote!(::trato_hive_runtime)
}

/// `Option<T>` -> `Some(T)`.
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn keyable(ty: &syn::Type) -> bool {
    let inner = option_inner(ty).unwrap_or(ty);
    matches!(
        last_ident(inner).as_deref(),
        Some("String" | "i16" | "i32" | "i64" | "Uuid")
    )
}

fn const_name(field: &syn::Ident) -> syn::Ident {
    let name = field.to_string().trim_start_matches("r#").to_uppercase();
    // `META` would shadow the trait constant `Model::META` on the type.
    let name = if name == "META" { "META_COL".to_string() } else { name };
    syn::Ident::new(&name, Span::call_site())
}

fn bare(field: &syn::Ident) -> String {
    field.to_string().trim_start_matches("r#").to_string()
}

/// The expression generating a client-side default, for `cuid()`-like defaults.
fn generated(c: &ColumnDef) -> Option<TokenStream> {
    let rt = rt();
    let inner = option_inner(&c.ty).unwrap_or(&c.ty);
    let is_uuid = last_ident(inner).as_deref() == Some("Uuid");
    match c.default.as_deref()? {
        "cuid" => Some(quote!(#rt::ids::cuid())),
        "uuid" if is_uuid => Some(quote!(#rt::ids::uuid_value())),
        "uuid" => Some(quote!(#rt::ids::uuid())),
        "nanoid" => Some(quote!(#rt::ids::nanoid(21))),
        "ulid" => Some(quote!(#rt::ids::ulid())),
        _ => None,
    }
}

pub fn expand(def: &ModelDef) -> TokenStream {
    let rt = rt();
    let ident = &def.ident;
    let meta = meta_const(def);
    let tenant_key = match &def.tenancy {
        TenancyDef::Owned(k) => Some(k.as_str()),
        _ => None,
    };
    let create_ident = format_ident!("{}Create", ident);
    let update_ident = format_ident!("{}Update", ident);

    // Row mapping, in column order.
    let reads = def.columns.iter().enumerate().map(|(i, c)| {
        let f = &c.field;
        let col = &c.column;
        quote!(#f: row.try_get(#i).map_err(|e| #rt::Error::Connection(::std::format!("column `{}`: {}", #col, e)))?)
    });
    let keys = def.columns.iter().filter(|c| keyable(&c.ty)).map(|c| {
        let f = &c.field;
        let col = &c.column;
        quote!(#col => #rt::AsKey::as_key(&self.#f),)
    });

    // Create input: no tenant key, no @updatedAt; required fields positional in `new`.
    let create_cols: Vec<&ColumnDef> = def
        .columns
        .iter()
        .filter(|c| Some(c.column.as_str()) != tenant_key && !c.updated_at)
        .collect();
    let required: Vec<&&ColumnDef> = create_cols
        .iter()
        .filter(|c| !c.nullable && c.default.is_none())
        .collect();
    let create_fields = create_cols.iter().map(|c| {
        let f = &c.field;
        let ty = &c.ty;
        let doc = format!(
            " Column `{}`{}.",
            c.column,
            if c.default.is_some() {
                " (`None`: its default)"
            } else {
                ""
            }
        );
        if c.nullable || c.default.is_none() {
            // Required, or already an `Option` (None is NULL).
            quote!(#[doc = #doc] pub #f: #ty,)
        } else {
            quote!(#[doc = #doc] pub #f: ::std::option::Option<#ty>,)
        }
    });
    let new_args = required.iter().map(|c| {
        let f = &c.field;
        let ty = &c.ty;
        quote!(#f: #ty)
    });
    let new_inits = create_cols.iter().map(|c| {
        let f = &c.field;
        if !c.nullable && c.default.is_none() {
            quote!(#f,)
        } else {
            quote!(#f: ::std::option::Option::None,)
        }
    });
    let create_setters = create_cols
        .iter()
        .filter(|c| c.nullable || c.default.is_some())
        .map(|c| {
            let f = &c.field;
            let inner = if c.nullable {
                option_inner(&c.ty).unwrap_or(&c.ty)
            } else {
                &c.ty
            };
            let doc = format!(
                " Sets `{}` (otherwise {}).",
                bare(f),
                if c.nullable && c.default.is_none() {
                    "NULL"
                } else {
                    "its default"
                }
            );
            if c.nullable {
                // A value or an Option of it: `.company_id(id)`, `.company_id(Some(id))`, `.company_id(None)`.
                quote! {
                    #[doc = #doc]
                    pub fn #f(mut self, value: impl #rt::Nullable<#inner>) -> Self {
                        self.#f = #rt::Nullable::into_nullable(value);
                        self
                    }
                }
            } else {
                quote! {
                    #[doc = #doc]
                    pub fn #f(mut self, value: impl ::std::convert::Into<#inner>) -> Self {
                        self.#f = ::std::option::Option::Some(value.into());
                        self
                    }
                }
            }
        });
    let create_values = create_cols.iter().map(|c| {
        let f = &c.field;
        let col = &c.column;
        if !c.nullable && c.default.is_none() {
            quote!(values.push((#col, ::std::boxed::Box::new(self.#f) as #rt::Param));)
        } else {
            let fallback = match generated(c) {
                Some(g) => quote!(::std::option::Option::None => values.push((#col, ::std::boxed::Box::new(#g) as #rt::Param)),),
                None => quote!(::std::option::Option::None => {}),
            };
            quote! {
                match self.#f {
                    ::std::option::Option::Some(v) => values.push((#col, ::std::boxed::Box::new(v) as #rt::Param)),
                    #fallback
                }
            }
        }
    });

    // Update input: every column but the primary key, the tenant key and @updatedAt.
    let update_cols: Vec<&ColumnDef> = def
        .columns
        .iter()
        .filter(|c| Some(c.column.as_str()) != tenant_key && !c.updated_at && !def.primary_key.contains(&c.column))
        .collect();
    let update_fields = update_cols.iter().map(|c| {
        let f = &c.field;
        let ty = &c.ty;
        let doc = format!(" Column `{}`: left alone unless set.", c.column);
        quote!(#[doc = #doc] pub #f: #rt::Patch<#ty>,)
    });
    let update_setters = update_cols.iter().map(|c| {
        let f = &c.field;
        let ty = &c.ty;
        let doc = if c.nullable {
            format!(" Sets `{}` (`None` sets NULL).", bare(f))
        } else {
            format!(" Sets `{}`.", bare(f))
        };
        match option_inner(ty).filter(|_| c.nullable) {
            // A value or an Option of it, as in the create input.
            Some(inner) => quote! {
                #[doc = #doc]
                pub fn #f(mut self, value: impl #rt::Nullable<#inner>) -> Self {
                    self.#f = #rt::Patch::Set(#rt::Nullable::into_nullable(value));
                    self
                }
            },
            None => quote! {
                #[doc = #doc]
                pub fn #f(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                    self.#f = #rt::Patch::Set(value.into());
                    self
                }
            },
        }
    });
    let update_values = update_cols.iter().map(|c| {
        let f = &c.field;
        let col = &c.column;
        quote! {
            if let #rt::Patch::Set(v) = self.#f {
                values.push((#col, ::std::boxed::Box::new(v) as #rt::Param));
            }
        }
    });

    // Typed columns and relations.
    let cols = def.columns.iter().map(|c| {
        let name = const_name(&c.field);
        let col = &c.column;
        let doc = format!(" The column `{col}`, for filters, ordering and updates.");
        match (c.nullable, option_inner(&c.ty)) {
            (true, Some(inner)) => {
                quote!(#[doc = #doc] pub const #name: #rt::NullableCol<#ident, #inner> = #rt::NullableCol::new(#col);)
            }
            _ => {
                let ty = &c.ty;
                quote!(#[doc = #doc] pub const #name: #rt::Col<#ident, #ty> = #rt::Col::new(#col);)
            }
        }
    });
    // For `query_as!`: one hidden constant per column, named by the column, typed by the field.
    let column_types = def.columns.iter().map(|c| {
        let name = crate::typed_sql::column_const(&c.column);
        let ty = &c.ty;
        quote!(#[doc(hidden)] #[allow(non_upper_case_globals)] pub const #name: ::std::marker::PhantomData<fn() -> #ty> = ::std::marker::PhantomData;)
    });
    let rels = def.relations.iter().filter_map(|r| {
        let name = syn::Ident::new(&r.field.to_uppercase(), Span::call_site());
        let target: syn::Path = syn::parse_str(&r.target).ok()?;
        let (field, parent, child) = (&r.field, r.columns.first()?, r.references.first()?);
        if r.columns.len() != 1 {
            return None;
        }
        let doc = format!(" The relation `{field}` to `{}`, for `find_many_with` and nested writes.", r.target);
        let rel = match r.kind.as_str() {
            "one_to_many" => Some(
                quote!(pub const #name: #rt::RelMany<#ident, #target> = #rt::RelMany::new(#field, #parent, #child);),
            ),
            "many_to_one" | "one_to_one" => {
                Some(quote!(pub const #name: #rt::RelOne<#ident, #target> = #rt::RelOne::new(#field, #parent, #child);))
            }
            "many_to_many" if r.target != def.name => {
                // Prisma's join table `_{relation}`: column A for the model whose name sorts first.
                let table = format!("_{}", r.name);
                let (this_side, other_side) = if def.name <= r.target { ("A", "B") } else { ("B", "A") };
                let schema = opt_str(r.join_schema.as_deref());
                Some(quote!(pub const #name: #rt::RelThrough<#ident, #target> = #rt::RelThrough::new(#field, #table, #schema, #this_side, #other_side, #parent, #child);))
            }
            _ => None,
        }?;
        Some(quote!(#[doc = #doc] #rel))
    });
    let unique_consts = unique_keys(def);
    let open_write = (def.write_roles.is_empty() && !def.view).then(|| quote!(impl #rt::OpenWrite for #ident {}));
    let membership = def.membership.as_ref().map(|m| {
        let (user, role, ranks, read_only, managers) = (&m.user, &m.role, &m.ranks, &m.read_only, &m.managers);
        let sink = m.audit_sink.as_ref().map(|path| {
            quote! {
                fn audit_sink() -> ::std::option::Option<&'static #rt::AuditSink> {
                    ::std::option::Option::Some(&#path)
                }
            }
        });
        quote! {
            #[automatically_derived]
            impl #rt::Membership for #ident {
                const USER_COLUMN: &'static str = #user;
                const ROLE_COLUMN: &'static str = #role;
                const RANKS: &'static [&'static str] = &[#(#ranks),*];
                fn role_can_write(role: &str) -> bool {
                    let read_only: &[&str] = &[#(#read_only),*];
                    !read_only.contains(&role)
                }
                fn role_can_manage(role: &str) -> bool {
                    let managers: &[&str] = &[#(#managers),*];
                    managers.contains(&role)
                }
                #sink
            }
        }
    });
    let marker = match &def.tenancy {
        TenancyDef::Owned(_) => quote!(impl #rt::TenantOwned for #ident {}),
        TenancyDef::Root => quote!(impl #rt::TenantRoot for #ident {}),
        TenancyDef::Global | TenancyDef::Unmarked => quote!(impl #rt::Global for #ident {}),
    };
    let create_doc = format!(" The input of `create` for [`{ident}`]: required fields in [`{create_ident}::new`], the others set with their methods.");
    let update_doc = format!(" The input of `update` for [`{ident}`]: every field is left alone unless set.");

    // A view is read-only: no inputs (the placeholder types have no constructor a caller could use to
    // mean anything), and no `Writable`, so no repository has write methods for it.
    let (create_ty, update_ty, writable, inputs) = if def.view {
        let none = quote!(#rt::__private::NoInput);
        (none.clone(), none, None, None)
    } else {
        let inputs = quote! {
        #[doc = #create_doc]
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
        pub struct #create_ident {
            #(#create_fields)*
        }

        #[automatically_derived]
        impl #create_ident {
            /// The input with every required field; the others are set with the methods below.
            #[allow(clippy::too_many_arguments, clippy::new_without_default)]
            pub fn new(#(#new_args),*) -> Self {
                #create_ident { #(#new_inits)* }
            }
            #(#create_setters)*
        }

        #[automatically_derived]
        impl #rt::CreateInput for #create_ident {
            fn into_values(self) -> ::std::vec::Vec<(&'static str, #rt::Param)> {
                let mut values: ::std::vec::Vec<(&'static str, #rt::Param)> = ::std::vec::Vec::new();
                #(#create_values)*
                values
            }
        }

        #[doc = #update_doc]
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::std::default::Default)]
        pub struct #update_ident {
            #(#update_fields)*
        }

        #[automatically_derived]
        impl #update_ident {
            #(#update_setters)*
        }

        #[automatically_derived]
        impl #rt::UpdateInput for #update_ident {
            fn into_values(self) -> ::std::vec::Vec<(&'static str, #rt::Param)> {
                let mut values: ::std::vec::Vec<(&'static str, #rt::Param)> = ::std::vec::Vec::new();
                #(#update_values)*
                values
            }
        }
        };
        (
            quote!(#create_ident),
            quote!(#update_ident),
            Some(quote!(#[automatically_derived] impl #rt::Writable for #ident {})),
            Some(inputs),
        )
    };

    quote! {
        #[automatically_derived]
        impl #rt::Model for #ident {
            #meta
            type Create = #create_ty;
            type Update = #update_ty;

            fn from_row(row: &#rt::Row) -> ::std::result::Result<Self, #rt::Error> {
                ::std::result::Result::Ok(#ident { #(#reads),* })
            }

            fn key(&self, column: &str) -> ::std::option::Option<#rt::Key> {
                match column {
                    #(#keys)*
                    _ => ::std::option::Option::None,
                }
            }
        }

        #[automatically_derived]
        #marker
        #writable
        #open_write
        #membership

        #[automatically_derived]
        #[allow(dead_code)]
        impl #ident {
            #(#cols)*
            #(#rels)*
            #(#unique_consts)*
            #(#column_types)*
        }

        #inputs
    }
}

/// One `BY_<FIELDS>: Unique<Model, V>` constant per primary key and unique constraint, without the tenant
/// key (the scope supplies it): `V` is the column's type (not `Option`: NULL is never a key), or a tuple of
/// them for a compound key. A name that would shadow a column or relation constant is not written.
fn unique_keys(def: &ModelDef) -> Vec<TokenStream> {
    let rt = rt();
    let ident = &def.ident;
    let tenant_key = match &def.tenancy {
        TenancyDef::Owned(k) => Some(k.as_str()),
        _ => None,
    };
    let taken: Vec<String> = def
        .columns
        .iter()
        .map(|c| const_name(&c.field).to_string())
        .chain(def.relations.iter().map(|r| r.field.to_uppercase()))
        .collect();
    let mut seen: Vec<Vec<&String>> = Vec::new();
    std::iter::once(&def.primary_key)
        .chain(&def.uniques)
        .filter_map(|key| {
            let cols: Vec<&String> = key.iter().filter(|c| Some(c.as_str()) != tenant_key).collect();
            let defs: Vec<&ColumnDef> = cols
                .iter()
                .map(|c| def.columns.iter().find(|d| &&d.column == c))
                .collect::<Option<_>>()?;
            if defs.is_empty() || seen.contains(&cols) {
                return None;
            }
            seen.push(cols.clone());
            let fields: Vec<String> = defs.iter().map(|d| const_name(&d.field).to_string()).collect();
            let name = format!("BY_{}", fields.join("_"));
            if taken.contains(&name) {
                return None;
            }
            let name = syn::Ident::new(&name, Span::call_site());
            let tys: Vec<&syn::Type> = defs
                .iter()
                .map(|d| if d.nullable { option_inner(&d.ty).unwrap_or(&d.ty) } else { &d.ty })
                .collect();
            let vars: Vec<syn::Ident> = (0..defs.len()).map(|i| format_ident!("v{i}")).collect();
            let (ty, pat) = match (tys.as_slice(), vars.as_slice()) {
                ([ty], [v]) => (quote!(#ty), quote!(#v)),
                _ => (quote!((#(#tys),*)), quote!((#(#vars),*))),
            };
            let doc = format!(
                " The unique key ({}): `{}::{name}.eq(..)` names one row for `find_by`, `update_by`, `delete_by`; the constant is a conflict target for `upsert` and an ordering for `find_page_by`.",
                cols.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "),
                def.ident
            );
            Some(quote! {
                #[doc = #doc]
                pub const #name: #rt::Unique<#ident, #ty> = #rt::Unique::new(
                    &[#(#cols),*],
                    |#pat: #ty| ::std::vec![#(::std::boxed::Box::new(#vars) as #rt::Param),*],
                );
            })
        })
        .collect()
}

fn meta_const(def: &ModelDef) -> TokenStream {
    let rt = rt();
    let name = &def.name;
    let table = &def.table;
    let columns = def.columns.iter().map(|c| {
        let field = bare(&c.field);
        let column = &c.column;
        let sql_type = &c.sql_type;
        let default = match c.default.as_deref() {
            None => quote!(::std::option::Option::None),
            Some(k) => {
                let variant = match k {
                    "dbgenerated" => "DbGenerated".to_string(),
                    other => capitalize(other),
                };
                let variant = syn::Ident::new(&variant, Span::call_site());
                quote!(::std::option::Option::Some(#rt::DefaultKind::#variant))
            }
        };
        let updated_at = c.updated_at;
        let nullable = c.nullable;
        quote!(#rt::ColumnMeta { field: #field, column: #column, sql_type: #sql_type, default: #default, updated_at: #updated_at, nullable: #nullable })
    });
    let pk = &def.primary_key;
    let uniques = def.uniques.iter().map(|u| quote!(&[#(#u),*]));
    let relations = def.relations.iter().map(|r| {
        let (field, target, name) = (&r.field, &r.target, &r.name);
        let kind = syn::Ident::new(&r.kind.split('_').map(capitalize).collect::<String>(), Span::call_site());
        let (cols, refs) = (&r.columns, &r.references);
        quote!(#rt::RelationMeta { field: #field, target: #target, kind: #rt::RelationKindMeta::#kind, name: #name, columns: &[#(#cols),*], references: &[#(#refs),*] })
    });
    let tenancy = match &def.tenancy {
        TenancyDef::Unmarked => quote!(#rt::TenancyMeta::Unmarked),
        TenancyDef::Root => quote!(#rt::TenancyMeta::Root),
        TenancyDef::Global => quote!(#rt::TenancyMeta::Global),
        TenancyDef::Owned(key) => quote!(#rt::TenancyMeta::Owned { key: #key }),
    };
    let audited = def.audited;
    let soft_delete = opt_str(def.soft_delete.as_deref());
    let schema = opt_str(def.schema.as_deref());
    let write_roles = &def.write_roles;
    quote! {
        const META: #rt::ModelMeta = #rt::ModelMeta {
            name: #name,
            table: #table,
            schema: #schema,
            columns: &[#(#columns),*],
            primary_key: &[#(#pk),*],
            uniques: &[#(#uniques),*],
            relations: &[#(#relations),*],
            tenancy: #tenancy,
            audited: #audited,
            soft_delete: #soft_delete,
            write_roles: &[#(#write_roles),*],
        };
    }
}

/// `Some("...")` or `None`, as a constant expression.
fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(::std::option::Option::Some(#s)),
        None => quote!(::std::option::Option::None),
    }
}

/// An impl beside the errors, so that one mistake does not cascade into errors at every use of the model.
pub fn stub(ident: &syn::Ident) -> TokenStream {
    let rt = rt();
    quote! {
        impl #rt::Model for #ident {
            const META: #rt::ModelMeta = #rt::ModelMeta {
                name: "", table: "", schema: ::std::option::Option::None, columns: &[], primary_key: &[], uniques: &[], relations: &[],
                tenancy: #rt::TenancyMeta::Unmarked, audited: false, soft_delete: ::std::option::Option::None,
                write_roles: &[],
            };
            type Create = #rt::__private::NoInput;
            type Update = #rt::__private::NoInput;
            fn from_row(_: &#rt::Row) -> ::std::result::Result<Self, #rt::Error> {
                ::std::result::Result::Err(#rt::Error::Config(::std::string::String::from("invalid model")))
            }
            fn key(&self, _: &str) -> ::std::option::Option<#rt::Key> {
                ::std::option::Option::None
            }
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}
