//! Compile-fail tests: every rule the types enforce, one small program each, with the error a user sees.
//! Refresh with `TRYBUILD=overwrite cargo test -p trato-tests --test ui` and review the `.stderr` diff.

#[test]
fn the_types_enforce_tenancy_and_access() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_*.rs");
    t.compile_fail("tests/ui/fail_*.rs");
}
