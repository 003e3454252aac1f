//! `#[pg_enum(...)]` attributes parsed into an [`EnumDef`].

use syn::{Data, DeriveInput, Fields, LitStr};

pub struct VariantDef {
    pub ident: syn::Ident,
    /// The schema's spelling (serde, Display, FromStr).
    pub name: String,
    /// The value stored in PostgreSQL (`@map`), usually the same.
    pub db_name: String,
}

pub struct EnumDef {
    pub ident: syn::Ident,
    pub type_name: String,
    pub variants: Vec<VariantDef>,
}

impl EnumDef {
    pub fn from_input(input: &DeriveInput) -> syn::Result<EnumDef> {
        let Data::Enum(data) = &input.data else {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "#[derive(PgEnum)] applies to enums only",
            ));
        };
        let mut type_name = input.ident.to_string();
        for attr in input.attrs.iter().filter(|a| a.path().is_ident("pg_enum")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("type_name") {
                    type_name = meta.value()?.parse::<LitStr>()?.value();
                    Ok(())
                } else {
                    Err(meta.error("unknown enum attribute; expected `type_name = \"...\"`"))
                }
            })?;
        }
        let mut variants = Vec::new();
        let mut errors: Option<syn::Error> = None;
        for v in &data.variants {
            if !matches!(v.fields, Fields::Unit) {
                let e = syn::Error::new_spanned(v, "PgEnum variants cannot carry data");
                match &mut errors {
                    Some(all) => all.combine(e),
                    None => errors = Some(e),
                }
                continue;
            }
            let mut name = v.ident.to_string();
            let mut db_name = None;
            for attr in v.attrs.iter().filter(|a| a.path().is_ident("pg_enum")) {
                attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("rename") {
                        name = meta.value()?.parse::<LitStr>()?.value();
                    } else if meta.path.is_ident("db_name") {
                        db_name = Some(meta.value()?.parse::<LitStr>()?.value());
                    } else {
                        return Err(meta.error("unknown variant attribute; expected `rename` or `db_name`"));
                    }
                    Ok(())
                })?;
            }
            variants.push(VariantDef {
                ident: v.ident.clone(),
                db_name: db_name.unwrap_or_else(|| name.clone()),
                name,
            });
        }
        if let Some(e) = errors {
            return Err(e);
        }
        Ok(EnumDef {
            ident: input.ident.clone(),
            type_name,
            variants,
        })
    }
}
