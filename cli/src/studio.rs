//! `trato studio`: Studio on 127.0.0.1 for the project's database (the `trato-studio` crate, behind this
//! crate's default `studio` feature so that a tool embedding the command line without it does not compile
//! a web stack). Prints the URL with its one-time token and serves until Ctrl+C.

use std::process::ExitCode;

use crate::db::target_db;
use crate::Ctx;

/// `trato studio`'s flags.
#[derive(clap::Args, Debug)]
pub struct StudioArgs {
    /// The port on 127.0.0.1 (0: any free one)
    #[arg(long, default_value_t = 5555)]
    port: u16,
    /// Run every transaction READ ONLY (the database refuses writes, whatever the page sends)
    #[arg(long)]
    read_only: bool,
    /// Open this organization (the tenant root's id) rather than the picker
    #[arg(long, value_name = "ID")]
    org: Option<String>,
    /// Open the URL in the default browser (`xdg-open`, `open`)
    #[arg(long)]
    open: bool,
    /// Open a database that does not look like a development one (it is then read-only)
    #[arg(long)]
    force_non_dev: bool,
    /// The model to record Studio's writes in when the schema audits by hand (no @@auditLog)
    #[arg(long, value_name = "MODEL")]
    audit_log: Option<String>,
}

pub fn run(ctx: &Ctx, args: &StudioArgs) -> anyhow::Result<ExitCode> {
    let schema = ctx.schema_path()?;
    let db = target_db(ctx, &schema)?;
    crate::tokio()?.block_on(async {
        let studio = trato_studio::start(trato_studio::Config {
            schema,
            db,
            port: args.port,
            read_only: args.read_only,
            force_non_dev: args.force_non_dev,
            audit_log: args.audit_log.clone(),
        })
        .await?;
        let url = match &args.org {
            Some(org) => studio.url_for(&format!("/o/{org}")),
            None => studio.url(),
        };
        eprintln!(
            "studio: {} on 127.0.0.1 only; the link below works once (it sets a session cookie); Ctrl+C stops it",
            if studio.read_only { "read-only" } else { "read-write" }
        );
        println!("{url}");
        if args.open {
            let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
            if std::process::Command::new(opener).arg(&url).spawn().is_err() {
                eprintln!("studio: cannot run `{opener}`: open the link above yourself");
            }
        }
        tokio::signal::ctrl_c().await?;
        eprintln!("studio: stopping");
        studio.stop().await;
        Ok(ExitCode::SUCCESS)
    })
}
