//! Compile-fail tests of the derive macros: each misuse gives a short, spanned error.
//! Refresh the `.stderr` files with `TRYBUILD=overwrite cargo test -p trato-macros --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_*.rs");
    t.compile_fail("tests/ui/fail_*.rs");
}
