//! `cargo xtask bench codegen`: times parse + validate + emit on synthetic schemas of growing size and
//! reports generated lines per model (which should stay constant as the schema grows). A benchmark, not a
//! test: it prints figures and asserts nothing about time.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::Args;

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let Some((what, rest)) = args.split_first() else {
        anyhow::bail!("usage: cargo xtask bench codegen [--models N,N,...] [--runs N]");
    };
    if what == "db" {
        return database(rest);
    }
    if what != "codegen" {
        anyhow::bail!("unknown benchmark `{what}` (available: codegen, db)");
    }
    let args = Args::parse(rest, &[], &["--models", "--runs"])?;
    let sizes: Vec<usize> = args
        .option("--models")
        .unwrap_or("12,500,2000")
        .split(',')
        .map(|s| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| anyhow::anyhow!("--models takes numbers, e.g. 12,500,2000"))
        })
        .collect::<Result<_, _>>()?;
    let runs: usize = args
        .option("--runs")
        .unwrap_or("5")
        .parse()
        .map_err(|_| anyhow::anyhow!("--runs takes a number"))?;
    println!("| models | schema lines | parse+validate | emit (Rust) | total | generated lines | lines/model |");
    println!("|-------:|-------------:|---------------:|------------:|------:|----------------:|------------:|");
    for n in sizes {
        let src = synthetic_schema(n);
        let mut check_best = Duration::MAX;
        let mut total_best = Duration::MAX;
        let mut lines = 0;
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            let (schema, diags) = trato_codegen::check(&src);
            let checked = start.elapsed();
            let Some(schema) = schema else {
                anyhow::bail!(
                    "synthetic schema of {n} models is invalid:\n{}",
                    trato_codegen::render("synthetic.prisma", &src, &diags)
                );
            };
            let files = trato_codegen::emit::rust::emit(&schema, "synthetic.prisma");
            let total = start.elapsed();
            check_best = check_best.min(checked);
            total_best = total_best.min(total);
            lines = files.values().map(|f| f.lines().count()).sum::<usize>();
        }
        println!(
            "| {n} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {lines} | {:.1} |",
            src.lines().count(),
            ms(check_best),
            ms(total_best.saturating_sub(check_best)),
            ms(total_best),
            lines as f64 / n.max(1) as f64
        );
    }
    println!(
        "(best of {runs} runs; build profile: {})",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask bench db [--quick | --smoke]`: builds the benchmark crate in release mode and runs it; the
/// full run also rewrites `bench/RESULTS.md`. `--smoke` runs one tiny round of a debug build, for tests.
fn database(args: &[String]) -> anyhow::Result<ExitCode> {
    let quick = args.iter().any(|a| a == "--quick");
    let smoke = args.iter().any(|a| a == "--smoke");
    let root = crate::project_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.arg("run");
    if !smoke {
        cmd.arg("--release");
    }
    cmd.args(["--quiet", "-p", "trato-bench", "--"]).current_dir(&root);
    if smoke {
        // A check that the benchmark runs end to end (debug build, one round): no figures worth keeping.
        cmd.arg("--smoke");
    } else if quick {
        cmd.arg("--quick");
    } else {
        cmd.arg("--out").arg(root.join("bench/RESULTS.md"));
    }
    let status = cmd.status()?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A tenant-aware schema of `n` models: a root, then models each owned by the tenant, with an enum, a
/// relation to the previous model, indexes leading with the tenant key, and a spread of scalar types.
pub fn synthetic_schema(n: usize) -> String {
    let mut s = String::from("datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n\n");
    s.push_str("enum Status {\n  ACTIVE\n  ARCHIVED\n}\n\n");
    let n = n.max(1);
    let _ = writeln!(s, "model Org {{\n  id String @id @default(cuid())\n  name String");
    for i in 1..n {
        let _ = writeln!(s, "  m{i}s M{i}[]");
    }
    s.push_str("  @@tenantRoot\n}\n\n");
    for i in 1..n {
        let _ = writeln!(s, "/// Synthetic model {i}.\nmodel M{i} {{");
        s.push_str("  id String @id @default(cuid())\n  orgId String @map(\"org_id\")\n  org Org @relation(fields: [orgId], references: [id])\n");
        s.push_str("  name String @db.VarChar(200)\n  count Int @default(0)\n  amount Decimal? @db.Decimal(18, 2)\n  status Status @default(ACTIVE)\n");
        s.push_str("  data Json?\n  createdAt DateTime @default(now()) @db.Timestamptz(3)\n  updatedAt DateTime @updatedAt @db.Timestamptz(3)\n");
        if i > 1 {
            let _ = writeln!(
                s,
                "  prevId String? @map(\"prev_id\")\n  prev M{}? @relation(fields: [prevId], references: [id])",
                i - 1
            );
        }
        if i + 1 < n {
            let _ = writeln!(s, "  nexts M{}[]", i + 1);
        }
        s.push_str("  @@index([orgId, status])\n  @@tenant(orgId)\n}\n\n");
    }
    s
}
