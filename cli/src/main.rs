//! The `trato` binary: `cargo install --path cli`, then `trato --help`.

fn main() -> std::process::ExitCode {
    trato_cli::main()
}
