//! `query_as!`: raw SQL whose rows fill a struct, checked against the schema at compile time with no
//! database. Tables are written as their models (`FROM {Deal} d`), so the model's table name (`@@map`,
//! `@@schema`) is written for it and a misspelled table is an unresolved type; every column reference the
//! scanner can tie to a model is checked against the model's columns; each output column fills the struct
//! field of its name, with the model column's exact type when the item is a bare column. The SQL guard and
//! the parameter count are checked as for `sql!`.

mod keywords;
mod scan;

pub use scan::scan;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, LitStr, Path, Token};

/// The hidden constant the `Model` derive writes for column `column`: `__column_<name>` with characters
/// outside `[A-Za-z0-9_]` written as `_xHH_`, its type `PhantomData<fn() -> T>` for the field's type.
pub fn column_const(column: &str) -> syn::Ident {
    let mut name = String::from("__column_");
    for c in column.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            name.push(c);
        } else {
            name.push_str(&format!("_x{:X}_", c as u32));
        }
    }
    syn::Ident::new(&name, Span::call_site())
}

struct Input {
    krate: Path,
    target: Path,
    sql: LitStr,
    params: Punctuated<Expr, Token![,]>,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let krate = Path::parse_mod_style(input)?;
        input.parse::<Token![,]>()?;
        let target: Path = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "query_as! takes the row struct first: query_as!(DealRow, \"SELECT d.name FROM {Deal} d\")",
            )
        })?;
        input.parse::<Token![,]>()?;
        let sql = input.parse::<LitStr>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "query_as! takes a string literal: SQL cannot be assembled from runtime strings; put values in \
                 parameters",
            )
        })?;
        let params = if input.is_empty() {
            Punctuated::new()
        } else {
            input.parse::<Token![,]>()?;
            Punctuated::parse_terminated(input)?
        };
        Ok(Input {
            krate,
            target,
            sql,
            params,
        })
    }
}

/// Every token of `tokens` at `span`, so that an error in a model path points at the literal.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut t| {
            if let TokenTree::Group(g) = &t {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                t = TokenTree::Group(group);
            }
            t.set_span(span);
            t
        })
        .collect()
}

pub fn expand(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<Input>(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let span = input.sql.span();
    let scan = match scan(&input.sql.value()) {
        Ok(scan) => scan,
        Err(message) => return syn::Error::new(span, message).to_compile_error(),
    };
    if let Some(e) = crate::sql::guard_errors(&scan.guard_text, &input.sql, input.params.len()) {
        return e.to_compile_error();
    }
    let rt = &input.krate;
    let mut models = Vec::new();
    for path in &scan.models {
        match syn::parse_str::<syn::Type>(path) {
            Ok(ty) => models.push(respan(quote!(#ty), span)),
            Err(_) => {
                return syn::Error::new(span, format!("`{{{path}}}` is not a model's type path")).to_compile_error()
            }
        }
    }
    let column = |r: &scan::ColumnRef| {
        let model = &models[r.model];
        let mut c = column_const(&r.column);
        c.set_span(span);
        quote_spanned!(span=> <#model>::#c)
    };
    // Each reference checked when the constant is evaluated, with a message naming model and column.
    let checks = scan.refs.iter().map(|r| {
        let model = &models[r.model];
        let message = format!("`{}` has no column `{}`", scan.models[r.model], r.column);
        let name = &r.column;
        quote_spanned!(span=> ::std::assert!(#rt::__private::has_column(&<#model as #rt::Model>::META, #name), #message);)
    });
    // Local names made here (not at the literal's span), so that spanned code can refer to them.
    let (sql, row) = (
        syn::Ident::new("sql", Span::call_site()),
        syn::Ident::new("row", Span::call_site()),
    );
    let pieces = scan.pieces.iter().map(|p| match p {
        scan::Piece::Text(t) => quote!(#sql.push_str(#t);),
        scan::Piece::Table(m) => {
            let model = &models[*m];
            quote_spanned!(span=> #sql.push_str(&<#model as #rt::Model>::META.sql_table());)
        }
    });
    // Each output read into a local first, then moved into its field: a type that differs from the field's
    // is one "mismatched types" error at the literal.
    let mut reads = Vec::new();
    let mut fields = Vec::new();
    for (i, o) in scan.outputs.iter().enumerate() {
        // A Rust keyword (`type`) names the field `r#type`, as the Model derive's fields are named.
        let field =
            syn::parse_str::<syn::Ident>(&o.name).or_else(|_| syn::parse_str::<syn::Ident>(&format!("r#{}", o.name)));
        let Ok(mut field) = field else {
            return syn::Error::new(
                span,
                format!(
                    "the output column `{}` cannot name a struct field: rename it with `AS field`",
                    o.name
                ),
            )
            .to_compile_error();
        };
        field.set_span(span);
        let local = syn::Ident::new(&format!("__trato_{i}"), Span::call_site());
        let name = &o.name;
        reads.push(match &o.column {
            Some(r) => {
                let c = column(r);
                quote_spanned!(span=> let #local = #rt::__private::typed_column(#row, #i, #name, #c)?;)
            }
            None => quote_spanned!(span=> let #local = #rt::__private::column(#row, #i, #name)?;),
        });
        fields.push(quote_spanned!(span=> #field: #local));
    }
    let target = &input.target;
    let params = input.params.iter();
    quote! {
        {
            const _: () = { #(#checks)* };
            static SQL: ::std::sync::OnceLock<::std::string::String> = ::std::sync::OnceLock::new();
            let #sql: &'static str = SQL.get_or_init(|| {
                let mut #sql = ::std::string::String::new();
                #(#pieces)*
                #sql
            });
            #rt::TypedSql::<#target>::__new(
                #rt::RawSql::__checked(#sql, ::std::vec![#(::std::boxed::Box::new(#params) as #rt::__private::Param),*]),
                |#row: &#rt::Row| {
                    #(#reads)*
                    ::std::result::Result::Ok(#target { #(#fields),* })
                },
            )
        }
    }
}
