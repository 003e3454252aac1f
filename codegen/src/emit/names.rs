//! Naming rules shared by the emitters: snake_case modules and fields, UpperCamelCase variants, and Rust
//! keywords escaped as raw identifiers.

use proc_macro2::{Ident, Span};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "gen", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// `organizationId` -> `organization_id`, `HTTPStatus` -> `http_status`, `VerificationToken` -> `verification_token`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(char::is_lowercase),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else if c == '-' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

/// `INITIAL_REVIEW` -> `InitialReview`; `admin` -> `Admin`.
pub fn variant_name(value: &str) -> String {
    let mut out = String::new();
    for part in value.split(['_', '-']).filter(|p| !p.is_empty()) {
        let mut cs = part.chars();
        if let Some(f) = cs.next() {
            out.push(f.to_ascii_uppercase());
            let rest: String = cs.collect();
            let all_upper = part.chars().all(|c| !c.is_ascii_lowercase());
            out.push_str(&if all_upper { rest.to_ascii_lowercase() } else { rest });
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// Whether `name` is a Rust keyword (such names are written `r#name`).
pub fn is_rust_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// An identifier, raw (`r#type`) when it is a keyword; `self`/`Self`/`super`/`crate` get a trailing `_`.
pub fn rust_ident(name: &str) -> Ident {
    match name {
        "self" | "Self" | "super" | "crate" | "_" => Ident::new(&format!("{name}_"), Span::call_site()),
        n if KEYWORDS.contains(&n) => Ident::new_raw(n, Span::call_site()),
        n => Ident::new(n, Span::call_site()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake() {
        assert_eq!(snake_case("organizationId"), "organization_id");
        assert_eq!(snake_case("VerificationToken"), "verification_token");
        assert_eq!(snake_case("HTTPStatus"), "http_status");
        assert_eq!(snake_case("vectorId"), "vector_id");
        assert_eq!(snake_case("already_snake"), "already_snake");
        assert_eq!(snake_case("field2Name"), "field2_name");
    }

    #[test]
    fn variants() {
        assert_eq!(variant_name("INITIAL_REVIEW"), "InitialReview");
        assert_eq!(variant_name("CLOSED_WON"), "ClosedWon");
        assert_eq!(variant_name("admin"), "Admin");
        assert_eq!(variant_name("camelCase"), "CamelCase");
        assert_eq!(variant_name("_"), "V");
    }

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(rust_ident("type").to_string(), "r#type");
        assert_eq!(rust_ident("Self").to_string(), "Self_");
        assert_eq!(rust_ident("name").to_string(), "name");
    }
}
