//! A PostgreSQL cluster (data folder + server) the project runs itself. When this process is root, every
//! server command runs as the `postgres` OS user (PostgreSQL refuses to run as root).

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

use crate::binaries::Binaries;

/// The superuser of clusters we create.
pub const SUPERUSER: &str = "postgres";

#[derive(Debug, Clone)]
/// A PostgreSQL cluster: a data folder, the binaries that serve it and its port.
pub struct Cluster {
    /// The binaries that serve it.
    pub bin: Binaries,
    /// Its data folder.
    pub data_dir: PathBuf,
    /// The port it listens on (127.0.0.1 only).
    pub port: u16,
    /// The superuser's password (development only: these clusters listen on 127.0.0.1).
    pub password: String,
}

/// Server settings for a throwaway cluster: durability off, so tests run fast.
pub const EPHEMERAL_SETTINGS: &[(&str, &str)] = &[
    ("fsync", "off"),
    ("synchronous_commit", "off"),
    ("full_page_writes", "off"),
    ("max_connections", "300"),
];

const STATE_FILE: &str = "trato-cluster.conf";

impl Cluster {
    /// Creates a new cluster in `data_dir` (which must not hold one yet).
    pub fn init(bin: &Binaries, data_dir: &Path, port: u16, password: &str) -> anyhow::Result<Cluster> {
        let owner = server_user()?;
        let parent = data_dir.parent().context("data folder has no parent")?;
        create_dir_for(parent, None)?;
        create_dir_for(data_dir, owner)?;
        let pwfile = parent.join(format!(".pw-{}", std::process::id()));
        fs::write(&pwfile, format!("{password}\n"))?;
        fs::set_permissions(&pwfile, fs::Permissions::from_mode(0o644))?;
        let out = as_server_user(Command::new(bin.tool("initdb")), owner)
            .arg("-D")
            .arg(data_dir)
            .args([
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--no-locale",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .output()
            .context("cannot run initdb");
        let _ = fs::remove_file(&pwfile);
        let out = out?;
        if !out.status.success() {
            bail!(
                "initdb failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let cluster = Cluster {
            bin: bin.clone(),
            data_dir: data_dir.to_path_buf(),
            port,
            password: password.to_string(),
        };
        cluster.save_state()?;
        Ok(cluster)
    }

    /// Opens a cluster created by [`Cluster::init`] (its port and password are in a state file beside it).
    pub fn open(data_dir: &Path) -> anyhow::Result<Option<Cluster>> {
        let state = data_dir.join(STATE_FILE);
        let Ok(text) = fs::read_to_string(&state) else {
            return Ok(None);
        };
        let get = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")))
                .map(str::to_string)
                .with_context(|| format!("{} has no {key}", state.display()))
        };
        let bindir = PathBuf::from(get("bindir")?);
        let bin = Binaries::probe(&bindir)
            .with_context(|| format!("the binaries of this cluster ({}) are gone", bindir.display()))?;
        Ok(Some(Cluster {
            bin,
            data_dir: data_dir.to_path_buf(),
            port: get("port")?.parse()?,
            password: get("password")?,
        }))
    }

    fn save_state(&self) -> anyhow::Result<()> {
        let text = format!(
            "port={}\npassword={}\nbindir={}\n",
            self.port,
            self.password,
            self.bin.bindir.display()
        );
        fs::write(self.data_dir.join(STATE_FILE), text)?;
        Ok(())
    }

    /// Starts the server and waits until it accepts connections. Harmless when it already runs.
    pub fn start(&self, settings: &[(&str, &str)]) -> anyhow::Result<()> {
        if self.is_running() {
            return Ok(());
        }
        let mut opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''",
            self.port
        );
        for (k, v) in settings {
            opts.push_str(&format!(" -c {k}={v}"));
        }
        let log = self.data_dir.join("server.log");
        let out = as_server_user(Command::new(self.bin.tool("pg_ctl")), server_user()?)
            .arg("-D")
            .arg(&self.data_dir)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &opts, "start"])
            .stdin(Stdio::null())
            .output()
            .context("cannot run pg_ctl")?;
        if !out.status.success() {
            let tail: String = fs::read_to_string(&log)
                .unwrap_or_default()
                .lines()
                .rev()
                .take(15)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            bail!(
                "PostgreSQL did not start on port {}: {}\n{tail}",
                self.port,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// Stops the server (fast shutdown: sessions are ended, the data is safe). Harmless when stopped.
    pub fn stop(&self) -> anyhow::Result<()> {
        if !self.is_running() {
            return Ok(());
        }
        let out = as_server_user(Command::new(self.bin.tool("pg_ctl")), server_user()?)
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "fast", "-w", "-t", "60", "stop"])
            .stdin(Stdio::null())
            .output()
            .context("cannot run pg_ctl")?;
        if !out.status.success() && self.is_running() {
            bail!(
                "PostgreSQL did not stop: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// Whether its server is running (`pg_ctl status`).
    pub fn is_running(&self) -> bool {
        let Ok(owner) = server_user() else { return false };
        as_server_user(Command::new(self.bin.tool("pg_ctl")), owner)
            .arg("-D")
            .arg(&self.data_dir)
            .arg("status")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Writes a file into the data folder, owned by the server's user with `mode` (e.g. a TLS key, which
    /// PostgreSQL accepts only when no one else can read it).
    pub fn write_file(&self, name: &str, contents: &[u8], mode: u32) -> anyhow::Result<PathBuf> {
        let path = self.data_dir.join(name);
        fs::write(&path, contents).with_context(|| format!("cannot write {}", path.display()))?;
        fs::set_permissions(&path, fs::Permissions::from_mode(mode))?;
        if let Some((uid, gid)) = server_user()? {
            std::os::unix::fs::chown(&path, Some(uid), Some(gid))?;
        }
        Ok(path)
    }

    /// A connection URL for the superuser.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgresql://{SUPERUSER}:{}@127.0.0.1:{}/{database}",
            self.password, self.port
        )
    }

    /// Stops the server and removes the data folder.
    pub fn destroy(&self) -> anyhow::Result<()> {
        self.stop()?;
        fs::remove_dir_all(&self.data_dir).with_context(|| format!("cannot remove {}", self.data_dir.display()))
    }

    /// Makes sure the server is stopped and its data removed once process `pid` has exited, even if it
    /// is killed: a small detached shell waits for it. Used by test harnesses, which cannot rely on drop.
    pub fn destroy_when_process_exits(&self, pid: u32) -> anyhow::Result<()> {
        let data = self.data_dir.display().to_string();
        if data.contains('\'') {
            bail!("unexpected quote in {data}");
        }
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
             if [ -f '{data}/postmaster.pid' ]; then kill -INT $(head -n 1 '{data}/postmaster.pid') 2>/dev/null; fi; \
             for i in $(seq 1 100); do [ -f '{data}/postmaster.pid' ] || break; sleep 0.1; done; rm -rf '{data}'; rmdir \"$(dirname '{data}')\" 2>/dev/null"
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("cannot start the cluster watchdog")?;
        Ok(())
    }
}

/// A free TCP port on 127.0.0.1 (free when asked; another process could take it before the server starts).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The uid and gid server commands run as: `postgres` when this process is root, else none (ourselves).
fn server_user() -> anyhow::Result<Option<(u32, u32)>> {
    let euid = fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(u32::MAX);
    if euid != 0 {
        return Ok(None);
    }
    if let Some(ids) = lookup_user("postgres") {
        return Ok(Some(ids));
    }
    let status = Command::new("useradd")
        .args([
            "--system",
            "--user-group",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            "postgres",
        ])
        .status()
        .context("running as root and there is no `postgres` user; cannot run useradd")?;
    if !status.success() {
        bail!("running as root and cannot create the `postgres` user (PostgreSQL refuses to run as root)");
    }
    lookup_user("postgres")
        .map(Some)
        .context("`postgres` user missing after useradd")
}

fn lookup_user(name: &str) -> Option<(u32, u32)> {
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let parts: Vec<&str> = l.split(':').collect();
        (parts.first() == Some(&name) && parts.len() > 3)
            .then(|| Some((parts[2].parse().ok()?, parts[3].parse().ok()?)))?
    })
}

fn as_server_user(mut cmd: Command, owner: Option<(u32, u32)>) -> Command {
    if let Some((uid, gid)) = owner {
        cmd.uid(uid).gid(gid);
        // Its home, not ours: tools look for config files there.
        cmd.env("HOME", "/tmp");
    }
    cmd
}

/// Creates `dir` (mode 0755 for parents, 0700 for a data folder) owned by `owner` when given.
fn create_dir_for(dir: &Path, owner: Option<(u32, u32)>) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mode = if owner.is_some() { 0o700 } else { 0o755 };
    fs::set_permissions(dir, fs::Permissions::from_mode(mode))?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(dir, Some(uid), Some(gid))
            .with_context(|| format!("cannot chown {}", dir.display()))?;
    }
    Ok(())
}
