//! `cargo xtask bench codegen`: times parse + validate + emit on synthetic schemas of growing size and
//! reports generated lines per model (which should stay constant as the schema grows); with `--check`,
//! also how long `cargo check` takes on the generated code, first and after editing one model. A
//! benchmark, not a test: it prints figures and asserts nothing about time.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::Args;

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let Some((what, rest)) = args.split_first() else {
        anyhow::bail!("usage: cargo xtask bench codegen [--models N,N,...] [--runs N] [--check]");
    };
    if what == "db" {
        return database(rest);
    }
    if what != "codegen" {
        anyhow::bail!("unknown benchmark `{what}` (available: codegen, db)");
    }
    let args = Args::parse(rest, &["--check"], &["--models", "--runs"])?;
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
    for &n in &sizes {
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
    if args.flag("--check") {
        check_times(&sizes)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `cargo check` of the code generated for each synthetic schema, in a crate of its own that depends on the
/// runtime (as `trato-hive-db` does): first with its dependencies already built, then again after one
/// model gains a field and the code is regenerated (what a developer waits for after a schema edit).
fn check_times(sizes: &[usize]) -> anyhow::Result<()> {
    let root = crate::project_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // A target folder of its own, kept between runs so the dependencies are built once.
    let target = root.join("target/bench-codegen-check");
    let krate = std::env::temp_dir().join(format!("trato-codegen-check-{}", std::process::id()));
    let check = |what: &str| -> anyhow::Result<Duration> {
        let start = Instant::now();
        let out = std::process::Command::new(&cargo)
            .args(["check", "--quiet", "--lib"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(&krate)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "cargo check of the generated code ({what}) failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(start.elapsed())
    };
    let _ = std::fs::remove_dir_all(&krate);
    std::fs::create_dir_all(krate.join("src"))?;
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"trato-codegen-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ntrato-hive-runtime = {{ path = {:?} }}\n\n[workspace]\n",
            root.join("runtime").display().to_string()
        ),
    )?;
    std::fs::write(krate.join("src/lib.rs"), "")?;
    let deps = check("dependencies")?;
    println!("\n`cargo check` of the generated code (a crate of its own depending on the runtime; dependencies built once in {:.1} s):\n", deps.as_secs_f64());
    println!("| models | generated lines | first check | after editing one model |");
    println!("|-------:|----------------:|------------:|------------------------:|");
    for &n in sizes {
        let dir = krate.join("src/generated");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let write = |src: &str| -> anyhow::Result<usize> {
            let (schema, diags) = trato_codegen::check(src);
            let Some(schema) = schema else {
                anyhow::bail!("{}", trato_codegen::render("synthetic.prisma", src, &diags));
            };
            let mut lines = 0;
            for (name, text) in trato_codegen::emit::rust::emit(&schema, "synthetic.prisma") {
                lines += text.lines().count();
                // Unchanged files are left alone, as `cargo xtask codegen` leaves them.
                let path = dir.join(name);
                if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                    std::fs::write(path, text)?;
                }
            }
            Ok(lines)
        };
        let src = synthetic_schema(n);
        let lines = write(&src)?;
        std::fs::write(
            krate.join("src/lib.rs"),
            "#![allow(clippy::all)]\n#[rustfmt::skip]\nmod generated;\npub use generated::*;\n",
        )?;
        let first = check(&format!("{n} models"))?;
        // One model gains a field: the edit a developer makes, then regenerates.
        let edited = src.replacen(
            "  count Int @default(0)\n",
            "  count Int @default(0)\n  note String?\n",
            1,
        );
        anyhow::ensure!(edited != src, "the synthetic schema has no field to edit");
        write(&edited)?;
        let again = check(&format!("{n} models, one edited"))?;
        println!(
            "| {n} | {lines} | {:.1} s | {:.1} s |",
            first.as_secs_f64(),
            again.as_secs_f64()
        );
        std::fs::write(krate.join("src/lib.rs"), "")?;
    }
    let _ = std::fs::remove_dir_all(&krate);
    Ok(())
}

/// The peers the benchmark crate can compile in, each behind the cargo feature of the same name.
const PEERS: &[&str] = &["sqlx", "sea-orm", "diesel-async"];

/// `cargo xtask bench db [--quick | --smoke | --callgrind] [--only TEXT] [--peers sqlx,...]`: builds the
/// benchmark crate in release mode and runs it; the full run first counts instructions under callgrind
/// (when valgrind is installed) and then rewrites `bench/RESULTS.md` with them in the table. `--smoke`
/// runs one tiny round of a debug build, for tests.
fn database(args: &[String]) -> anyhow::Result<ExitCode> {
    let flags = Args::parse(args, &["--quick", "--smoke", "--callgrind"], &["--only", "--peers"])?;
    let (quick, smoke) = (flags.flag("--quick"), flags.flag("--smoke"));
    let only = flags.option("--only").map(str::to_string);
    let mut features = Vec::new();
    for peer in flags
        .option("--peers")
        .unwrap_or("")
        .split(',')
        .filter(|p| !p.trim().is_empty())
    {
        let peer = peer.trim();
        anyhow::ensure!(
            PEERS.contains(&peer),
            "unknown peer `{peer}` (available: {})",
            PEERS.join(", ")
        );
        features.push(peer);
    }
    let root = crate::project_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if flags.flag("--callgrind") {
        let rows = callgrind(&root, &cargo, only.as_deref())?;
        print!("{}", instructions_table(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut cmd = std::process::Command::new(&cargo);
    cmd.arg("run");
    if !smoke {
        cmd.arg("--release");
    }
    cmd.args(["--quiet", "-p", "trato-bench"]).current_dir(&root);
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    cmd.arg("--");
    if let Some(only) = &only {
        cmd.args(["--only", only]);
    }
    let results = root.join("bench/RESULTS.md");
    let full = !smoke && !quick && only.is_none();
    if full {
        if which("valgrind") {
            let rows = callgrind(&root, &cargo, None)?;
            print!("{}", instructions_table(&rows)?);
            let tsv = root.join("target/bench-instructions.tsv");
            let mut text = String::new();
            for (scenario, ours, raw) in &rows {
                writeln!(
                    text,
                    "{scenario}\t{}\t{}",
                    ours.unwrap_or(f64::NAN),
                    raw.unwrap_or(f64::NAN)
                )?;
            }
            std::fs::write(&tsv, text)?;
            cmd.arg("--instr").arg(&tsv);
        } else {
            eprintln!("bench: valgrind is not installed; RESULTS.md has no instruction counts");
        }
    }
    if smoke {
        // A check that the benchmark runs end to end (debug build, one round): no figures worth keeping.
        cmd.arg("--smoke");
    } else if quick {
        cmd.arg("--quick");
    } else {
        cmd.arg("--out").arg(&results);
    }
    if !cmd.status()?.success() {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn which(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs the benchmark's `--callgrind` mode under valgrind: callgrind counts only inside
/// `trato_bench_measure` and dumps after each call; the binary prints which scenario and side each call
/// was, in order. Returns, per scenario, client-side instructions per operation of ours and raw.
fn callgrind(root: &std::path::Path, cargo: &str, only: Option<&str>) -> anyhow::Result<Vec<InstrRow>> {
    if !which("valgrind") {
        anyhow::bail!("--callgrind needs valgrind (Debian: apt-get install valgrind)");
    }
    let built = std::process::Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", "trato-bench"])
        .current_dir(root)
        .status()?;
    anyhow::ensure!(built.success(), "building the benchmark failed");
    let dir = std::env::temp_dir().join(format!("trato-callgrind-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let out_file = dir.join("cg.out");
    let mut cmd = std::process::Command::new("valgrind");
    cmd.arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .args([
            "--collect-atstart=no",
            "--toggle-collect=trato_bench::trato_bench_measure",
            "--dump-after=trato_bench::trato_bench_measure",
        ])
        .arg(root.join("target/release/trato-bench"))
        .arg("--callgrind")
        .current_dir(root)
        .stderr(std::process::Stdio::null());
    if let Some(only) = only {
        cmd.args(["--only", only]);
    }
    let output = cmd.output()?;
    anyhow::ensure!(
        output.status.success(),
        "the benchmark failed under valgrind (rerun it with stderr: valgrind --tool=callgrind target/release/trato-bench --callgrind)"
    );
    let manifest: Vec<(String, String, u64)> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| {
            let mut parts = l.strip_prefix("callgrind-run\t")?.split('\t');
            Some((
                parts.next()?.to_string(),
                parts.next()?.to_string(),
                parts.next()?.parse().ok()?,
            ))
        })
        .collect();
    anyhow::ensure!(!manifest.is_empty(), "the benchmark measured nothing under callgrind");
    // scenario -> (ours, raw) instructions per operation
    let mut rows: Vec<InstrRow> = Vec::new();
    for (k, (scenario, side, n)) in manifest.iter().enumerate() {
        let dump = dir.join(format!("cg.out.{}", k + 1));
        let text = std::fs::read_to_string(&dump)
            .map_err(|e| anyhow::anyhow!("callgrind wrote no dump {}: {e}", dump.display()))?;
        let total: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("totals:").or_else(|| l.strip_prefix("summary:")))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| anyhow::anyhow!("no totals in {}", dump.display()))?;
        anyhow::ensure!(total > 0, "callgrind counted nothing for {scenario} ({side})");
        let per_op = total as f64 / *n as f64;
        let row = match rows.iter_mut().find(|r| &r.0 == scenario) {
            Some(r) => r,
            None => {
                rows.push((scenario.clone(), None, None));
                rows.last_mut().expect("just pushed")
            }
        };
        if side == "ours" {
            row.1 = Some(per_op);
        } else {
            row.2 = Some(per_op);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rows)
}

/// A scenario and the instructions per operation of ours and raw.
type InstrRow = (String, Option<f64>, Option<f64>);

fn instructions_table(rows: &[InstrRow]) -> anyhow::Result<String> {
    let mut table = String::from(
        "\nClient-side instructions per operation (`cargo xtask bench db --callgrind`: valgrind's callgrind counts \
         only the measured calls, on one thread, connection I/O included; the same count on a busy or an idle \
         machine). Raw is the held connection.\n\n| scenario | ours instr/op | raw instr/op | ours - raw | ours / raw |\n|---|---:|---:|---:|---:|\n",
    );
    for (scenario, ours, raw) in rows {
        let (o, r) = (ours.unwrap_or(f64::NAN), raw.unwrap_or(f64::NAN));
        writeln!(table, "| {scenario} | {o:.0} | {r:.0} | {:.0} | {:.2} |", o - r, o / r)?;
    }
    Ok(table)
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
