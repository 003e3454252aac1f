//! The input of `#[derive(Select)]`: `#[select(model = Deal)]` on a struct with named fields. Every
//! problem is collected and reported at once, each at its span.

use syn::spanned::Spanned;

pub struct SelectDef {
    pub ident: syn::Ident,
    pub generics: syn::Generics,
    pub model: syn::Path,
    /// `crate = path`: where the runtime is, when the calling crate renames it.
    pub krate: Option<syn::Path>,
    pub fields: Vec<syn::Ident>,
}

impl SelectDef {
    pub fn from_input(input: &syn::DeriveInput) -> syn::Result<Self> {
        let mut errors: Option<syn::Error> = None;
        let mut push = |e: syn::Error| match &mut errors {
            Some(all) => all.combine(e),
            None => errors = Some(e),
        };
        let mut model: Option<syn::Path> = None;
        let mut krate: Option<syn::Path> = None;
        for attr in input.attrs.iter().filter(|a| a.path().is_ident("select")) {
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("model") {
                    model = Some(meta.value()?.parse()?);
                    Ok(())
                } else if meta.path.is_ident("crate") {
                    krate = Some(meta.value()?.parse()?);
                    Ok(())
                } else {
                    Err(meta.error(
                        "unknown `select` attribute: the arguments are `model = ModelType` and (for a renamed dependency) `crate = path::to::runtime`",
                    ))
                }
            });
            if let Err(e) = parsed {
                push(e);
            }
        }
        if model.is_none() {
            push(syn::Error::new(
                input.ident.span(),
                "name the model this struct selects from: #[select(model = Deal)]",
            ));
        }
        let fields = match &input.data {
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Named(named),
                ..
            }) => named.named.iter().filter_map(|f| f.ident.clone()).collect(),
            _ => {
                push(syn::Error::new(
                    input.span(),
                    "#[derive(Select)] takes a struct with named fields, each named as a field of the model",
                ));
                Vec::new()
            }
        };
        if let Some(e) = errors {
            return Err(e);
        }
        Ok(SelectDef {
            ident: input.ident.clone(),
            generics: input.generics.clone(),
            model: model.unwrap_or_else(|| unreachable!("checked above")),
            krate,
            fields,
        })
    }
}
