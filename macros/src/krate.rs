//! Where the runtime is, for derives used in application crates: generated code always depends on
//! `trato-hive-runtime`, but an application may reach it only through the crate holding its models (the
//! workspace's `trato-hive-db`, which re-exports it as `runtime`). The calling crate's `Cargo.toml` says
//! which; `#[...(crate = path)]` overrides (a renamed dependency).

use proc_macro2::TokenStream;
use quote::quote;

/// The path of the runtime as the crate being compiled names it.
pub fn runtime() -> TokenStream {
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .ok()
        .and_then(|dir| std::fs::read_to_string(std::path::Path::new(&dir).join("Cargo.toml")).ok())
        .unwrap_or_default();
    if !depends_on(&manifest, "trato-hive-runtime") && depends_on(&manifest, "trato-hive-db") {
        quote!(::trato_hive_db::runtime)
    } else {
        quote!(::trato_hive_runtime)
    }
}

/// Whether a manifest lists `name` as a dependency (`name = ...`, `name.workspace = true` or a
/// `[dependencies.name]` table), judged line by line: enough for the two names above.
fn depends_on(manifest: &str, name: &str) -> bool {
    manifest.lines().map(str::trim).any(|line| {
        line.strip_prefix(name)
            .is_some_and(|rest| rest.trim_start().starts_with('=') || rest.starts_with('.'))
            || line
                .strip_prefix('[')
                .and_then(|l| l.strip_suffix(']'))
                .is_some_and(|table| table.ends_with(&format!("dependencies.{name}")))
    })
}

#[cfg(test)]
mod tests {
    use super::depends_on;

    #[test]
    fn dependency_lines_are_recognised() {
        assert!(depends_on(
            "[dependencies]\ntrato-hive-db.workspace = true\n",
            "trato-hive-db"
        ));
        assert!(depends_on(
            "trato-hive-runtime = { path = \"../runtime\" }",
            "trato-hive-runtime"
        ));
        assert!(depends_on(
            "[dev-dependencies.trato-hive-db]\npath = \"x\"",
            "trato-hive-db"
        ));
        assert!(!depends_on(
            "trato-hive-db-extra = \"1\"\n# trato-hive-db",
            "trato-hive-db"
        ));
        assert!(!depends_on("name = \"trato-hive-db\"", "trato-hive-db"));
    }
}
