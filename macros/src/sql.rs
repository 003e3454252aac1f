//! `sql!`: raw SQL from a string literal, checked at compile time by the SQL guard (`trato-sqlguard`). A
//! statement that could change the tenant binding, change the role, control the scope's transaction or run
//! code the guard cannot see is a compile error pointing at the literal; so is a parameter count that does
//! not match the `$n` placeholders. The runtime's `sql!` forwards here with its own crate path first, so
//! the output names the runtime however the application reaches it.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, LitStr, Path, Token};
use trato_sqlguard::{check, lex, Context, TokenKind};

struct SqlInput {
    krate: Path,
    sql: LitStr,
    params: Punctuated<Expr, Token![,]>,
}

impl Parse for SqlInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let krate = Path::parse_mod_style(input)?;
        input.parse::<Token![,]>()?;
        let sql = match input.parse::<LitStr>() {
            Ok(sql) => sql,
            Err(_) => {
                return Err(syn::Error::new(
                    input.span(),
                    "sql! takes a string literal: SQL cannot be assembled from runtime strings; put values in \
                     parameters, e.g. sql!(\"SELECT * FROM deals WHERE stage = $1\", stage)",
                ))
            }
        };
        let params = if input.is_empty() {
            Punctuated::new()
        } else {
            input.parse::<Token![,]>()?;
            Punctuated::parse_terminated(input)?
        };
        Ok(SqlInput { krate, sql, params })
    }
}

pub fn expand(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<SqlInput>(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    if let Some(e) = guard_errors(&input.sql.value(), &input.sql, input.params.len()) {
        return e.to_compile_error();
    }
    let SqlInput { krate, sql, params } = input;
    let params = params.iter();
    quote! {
        #krate::RawSql::__checked(#sql, ::std::vec![#(::std::boxed::Box::new(#params) as #krate::__private::Param),*])
    }
}

/// What the SQL guard and the parameter count say of `text` (the literal `sql`'s statement, or what
/// `query_as!` makes of it), as errors at the literal.
pub fn guard_errors(text: &str, sql: &LitStr, params: usize) -> Option<syn::Error> {
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    if let Err(refusal) = check(text, Context::Scoped) {
        let near = text.get(refusal.start..refusal.end).unwrap_or_default();
        push(syn::Error::new(
            sql.span(),
            format!(
                "{} (at `{near}`)\nraw SQL cannot touch the tenant binding: the scope binds it, RLS trusts it",
                refusal.message
            ),
        ));
    }
    if let Ok(tokens) = lex(text) {
        let highest = tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Param)
            .filter_map(|t| t.text[1..].parse::<usize>().ok())
            .max()
            .unwrap_or(0);
        if highest != params {
            push(syn::Error::new(
                sql.span(),
                match (highest, params) {
                    (0, n) => format!("the statement has no `$n` placeholders but {n} parameter(s) are given"),
                    (h, n) => format!("the statement's placeholders go up to ${h} but {n} parameter(s) are given"),
                },
            ));
        }
    }
    errors
}
