//! Data-driven tests: each `test_data/invalid/*.prisma` has its rendered diagnostics beside it
//! (`*.stderr`); each `test_data/valid/*.prisma` has its generated Rust (`*.rs.snap`) and its from-empty
//! DDL (`*.sql.snap`) beside it.
//! Refresh the expectations with `UPDATE_EXPECT=1 cargo test -p trato-codegen --test golden` and review the diff.

use std::fs;
use std::path::{Path, PathBuf};

fn cases(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "prisma"))
        .collect();
    files.sort();
    files
}

/// Compares `actual` with the file at `path`, or rewrites it when UPDATE_EXPECT is set. Returns a failure.
fn expect_file(path: &Path, actual: &str) -> Option<String> {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(path, actual).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return None;
    }
    let expected = fs::read_to_string(path).unwrap_or_default();
    (expected != actual).then(|| {
        format!(
            "{} differs (run with UPDATE_EXPECT=1 to refresh)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        )
    })
}

fn name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn invalid_schemas_render_their_expected_diagnostics() {
    let files = cases("invalid");
    assert!(
        files.len() >= 30,
        "expected at least 30 invalid cases, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let src = fs::read_to_string(path).expect("read case");
        let (schema, diags) = trato_codegen::check(&src);
        let warning_only = name(path).contains("warning");
        if warning_only {
            assert!(
                schema.is_some(),
                "{}: a warning case must still validate",
                path.display()
            );
            assert!(!diags.is_empty(), "{}: expected a warning", path.display());
        } else {
            assert!(
                schema.is_none(),
                "{}: expected the schema to be rejected",
                path.display()
            );
            assert!(
                diags.iter().any(|d| d.is_error()),
                "{}: expected an error",
                path.display()
            );
        }
        for d in &diags {
            assert!(
                !d.help.is_empty(),
                "{}: diagnostic {} has no help line",
                path.display(),
                d.code
            );
            assert!(
                trato_codegen::diagnostics::CODES.iter().any(|(c, _)| *c == d.code),
                "unlisted code {}",
                d.code
            );
        }
        let rendered = trato_codegen::render(&name(path), &src, &diags);
        failures.extend(expect_file(&path.with_extension("stderr"), &rendered));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_error_of_a_file_is_reported_in_one_run() {
    let src = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/invalid/40_every_error_in_one_run.prisma"),
    )
    .expect("read case");
    let (_, diags) = trato_codegen::check(&src);
    let mut codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    assert_eq!(codes, ["S0103", "S0201", "S0301", "S0401"], "{diags:#?}");
}

fn snapshot(files: &std::collections::BTreeMap<String, String>) -> String {
    files
        .iter()
        .map(|(path, text)| format!("// ==== {path} ====\n{text}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn valid_schemas_generate_their_expected_rust() {
    let files = cases("valid");
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    for path in &files {
        let src = fs::read_to_string(path).expect("read case");
        let out = trato_codegen::generate(&name(path), &src).unwrap_or_else(|diags| {
            panic!(
                "{} should be valid:\n{}",
                path.display(),
                trato_codegen::render(&name(path), &src, &diags)
            )
        });
        let again = trato_codegen::generate(&name(path), &src).expect("valid twice");
        assert_eq!(out.rust, again.rust, "{}: output is not deterministic", path.display());
        failures.extend(expect_file(&path.with_extension("rs.snap"), &snapshot(&out.rust)));
        let ddl = trato_codegen::ddl(&src).expect("valid schema has DDL");
        failures.extend(expect_file(&path.with_extension("sql.snap"), &ddl));
        let (schema, _) = trato_codegen::check(&src);
        let ts = trato_codegen::emit::typescript::emit(&schema.expect("valid"), &name(path));
        failures.extend(expect_file(&path.with_extension("ts.snap"), &ts));

        // Formatting changes layout only: it is idempotent and generates the same code.
        let formatted = trato_codegen::format::format(&src).expect("valid schemas format");
        assert_eq!(
            trato_codegen::format::format(&formatted).expect("formats twice"),
            formatted,
            "{}",
            path.display()
        );
        let from_formatted = trato_codegen::generate(&name(path), &formatted).expect("formatted schema is valid");
        assert_eq!(
            from_formatted.rust,
            out.rust,
            "{}: formatting changed the generated code",
            path.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_project_schemas_are_valid_and_format_stably() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for rel in ["schema/schema.prisma", "tests/schemas/all_types.prisma"] {
        let src = fs::read_to_string(root.join(rel)).expect("read schema");
        let (schema, diags) = trato_codegen::check(&src);
        assert!(
            schema.is_some() && diags.is_empty(),
            "{rel}:\n{}",
            trato_codegen::render(rel, &src, &diags)
        );
        let formatted = trato_codegen::format::format(&src).expect("formats");
        assert_eq!(
            trato_codegen::format::format(&formatted).expect("formats twice"),
            formatted
        );
    }
}
