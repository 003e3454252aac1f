//! Where a project's files are: the schema file, found as Prisma finds it, and its generator block.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use trato_hive_runtime::Migrator;

/// A schema file and where its generated code, migrations and TypeScript go.
#[derive(Debug, Clone)]
pub struct Project {
    /// The schema file.
    pub schema: PathBuf,
    /// The Rust models' folder (`output`; default `src/generated` beside the schema).
    pub output: PathBuf,
    /// The migrations folder (`migrations`; default `migrations` beside the schema).
    pub migrations: PathBuf,
    /// The TypeScript module (`typescript`), when the schema asks for one.
    pub typescript: Option<PathBuf>,
    /// The migrator's history table (`historyTable`; default `_trato_migrations`).
    pub history_table: String,
    /// The command `db seed` runs in the schema's folder (`seed`).
    pub seed: Option<String>,
    /// The schema's folder: where `seed` runs, what the paths above are relative to.
    pub dir: PathBuf,
    /// The schema, validated once (its diagnostics printed once) for every command that needs it.
    pub parsed: trato_codegen::Schema,
    /// The schema file's text.
    pub source: String,
}

impl Project {
    /// Reads the schema file's generator block (`provider = "trato-hive-codegen"`); without one, the
    /// defaults. The schema must be valid: its diagnostics are printed otherwise.
    pub fn load(schema: &Path) -> anyhow::Result<Project> {
        let (parsed, source) = read_valid(schema)?;
        let dir = schema.parent().map(Path::to_path_buf).unwrap_or_default();
        let generator = parsed.generator.clone().unwrap_or_default();
        let at = |set: Option<String>, default: &str| dir.join(set.as_deref().unwrap_or(default));
        Ok(Project {
            schema: schema.to_path_buf(),
            output: at(generator.output, "src/generated"),
            migrations: at(generator.migrations, "migrations"),
            typescript: generator.typescript.map(|t| dir.join(t)),
            history_table: generator
                .history_table
                .unwrap_or_else(|| trato_hive_runtime::migrate::HISTORY_TABLE.to_string()),
            seed: generator.seed,
            dir,
            parsed,
            source,
        })
    }

    /// The migrator of the migrations folder, with the project's history table.
    pub fn migrator(&self) -> anyhow::Result<Migrator> {
        let schemas: Vec<&str> = self.schemas().iter().map(String::as_str).collect();
        Ok(Migrator::from_dir(&self.migrations)?
            .history_table(&self.history_table)
            .schemas(&schemas))
    }

    /// The PostgreSQL schemas the datasource lists besides the connection's (multi-schema).
    pub fn schemas(&self) -> &[String] {
        self.parsed
            .datasource
            .as_ref()
            .map(|d| d.schemas.as_slice())
            .unwrap_or_default()
    }
}

/// The schema file: `given`, else `./schema.prisma`, else `./prisma/schema.prisma` (Prisma's order).
pub fn locate(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = given {
        if !path.is_file() {
            bail!("no schema file at {}", path.display());
        }
        return Ok(path.to_path_buf());
    }
    let candidates = [
        PathBuf::from("schema.prisma"),
        Path::new("prisma").join("schema.prisma"),
    ];
    match candidates.iter().find(|c| c.is_file()) {
        Some(found) => Ok(found.clone()),
        None => bail!(
            "no schema file: neither ./schema.prisma nor ./prisma/schema.prisma exists; pass --schema PATH, \
             or create one with `init`"
        ),
    }
}

/// The schema at `path`, validated: warnings are printed and the schema returned with its source; errors
/// are printed and fail.
pub fn read_valid(path: &Path) -> anyhow::Result<(trato_codegen::Schema, String)> {
    let src = fs::read_to_string(path).with_context(|| format!("cannot read schema {}", path.display()))?;
    let (parsed, diags) = trato_codegen::check(&src);
    if !diags.is_empty() {
        eprint!("{}", trato_codegen::render(&path.display().to_string(), &src, &diags));
    }
    match parsed {
        Some(schema) => Ok((schema, src)),
        None => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            bail!("{errors} error(s) in {}; nothing was written", path.display())
        }
    }
}
