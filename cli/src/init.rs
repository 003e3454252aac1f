//! `init`: a starter project in a folder: a schema with a tenant root, a global user model, a membership
//! model and this generator's block (formatted, and valid: the command checks it before writing), an empty
//! migrations folder, and a `.env` naming the database. Nothing that exists is overwritten.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;

use crate::Ctx;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The project folder [default: the current folder]
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The tenant root model: what every tenant-owned row belongs to
    #[arg(long, default_value = "Workspace", value_name = "MODEL")]
    tenant_root: String,
    /// The tenant key: the field naming the tenant on every tenant-owned model
    #[arg(long, default_value = "workspaceId", value_name = "FIELD")]
    tenant_key: String,
    /// The database URL written to .env
    #[arg(
        long,
        default_value = "postgresql://postgres:postgres@localhost:5432/app",
        value_name = "URL"
    )]
    url: String,
}

/// The starter schema for a tenant root `root` keyed `key`.
fn starter(root: &str, key: &str) -> String {
    format!(
        r#"datasource db {{
  provider = "postgresql"
  url      = env("DATABASE_URL")
}}

generator client {{
  provider = "trato-hive-codegen"
  output   = "src/generated"
}}

/// Someone who signs in; a member of any number of tenants.
model User {{
  id          String       @id @default(cuid())
  email       String       @unique
  memberships Membership[]

  @@global
}}

/// The tenant: every tenant-owned row belongs to one, and a scope sees one at a time.
model {root} {{
  id          String       @id @default(cuid())
  name        String
  memberships Membership[]

  @@tenantRoot
  @@writableBy([OWNER])
}}

/// The roles, highest first: a member never grants a role above their own.
enum Role {{
  OWNER
  MEMBER
  VIEWER
}}

/// Who is a member of which tenant, with which role: what `db.scope::<Membership>(user, tenant)` checks.
model Membership {{
  id     String @id @default(cuid())
  {key} String
  userId String
  role   Role   @default(MEMBER)
  tenant {root} @relation(fields: [{key}], references: [id], onDelete: Cascade)
  user   User   @relation(fields: [userId], references: [id], onDelete: Cascade)

  @@unique([{key}, userId])
  @@tenant({key})
  @@membership(user: userId, role: role, readOnly: [VIEWER])
  @@writableBy([OWNER])
}}
"#
    )
}

pub fn run(ctx: &Ctx, args: &InitArgs) -> anyhow::Result<ExitCode> {
    let schema_path = args.dir.join("schema.prisma");
    if schema_path.exists() {
        bail!("{} exists; init writes a new project only", schema_path.display());
    }
    let src = starter(&args.tenant_root, &args.tenant_key);
    let (parsed, diags) = trato_codegen::check(&src);
    if parsed.is_none() {
        eprint!("{}", trato_codegen::render("schema.prisma", &src, &diags));
        bail!(
            "--tenant-root `{}` and --tenant-key `{}` do not make a valid schema",
            args.tenant_root,
            args.tenant_key
        );
    }
    let src = trato_codegen::format::format(&src).map_err(|_| anyhow::anyhow!("the starter schema does not format"))?;
    fs::create_dir_all(args.dir.join("migrations")).with_context(|| format!("cannot create {}", args.dir.display()))?;
    fs::write(&schema_path, src).with_context(|| format!("cannot write {}", schema_path.display()))?;
    eprintln!("init: wrote {}", schema_path.display());
    let env = args.dir.join(".env");
    if env.exists() {
        eprintln!("init: {} exists; left as it is", env.display());
    } else {
        fs::write(&env, format!("DATABASE_URL=\"{}\"\n", args.url))?;
        eprintln!("init: wrote {} (DATABASE_URL)", env.display());
    }
    let program = &ctx.options.program;
    let cd = if args.dir == std::path::Path::new(".") {
        String::new()
    } else {
        format!("  cd {}\n", args.dir.display())
    };
    eprintln!(
        "\nNext: point DATABASE_URL in .env at an empty database, add `trato-hive-runtime` to Cargo.toml and \
         `mod generated;` to src/lib.rs, then\n{cd}  \
         {program} migrate dev --name init    # writes migrations/<timestamp>_init, generates src/generated, applies it"
    );
    Ok(ExitCode::SUCCESS)
}
