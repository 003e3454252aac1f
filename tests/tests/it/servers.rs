//! Tests that need a PostgreSQL server of their own: stopping and restarting it under a live pool, and TLS
//! with a generated CA and server certificate.

use trato_hive_runtime::{Db, DbConfig, Error};
use trato_tests::TestDb;

fn own_cluster() -> trato_pg::Cluster {
    let bin = TestDb::binaries().unwrap_or_else(|| trato_pg::ensure(None).expect("binaries"));
    trato_pg::ephemeral(&bin).expect("cluster")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_succeed_again_after_the_server_restarts() {
    let cluster = own_cluster();
    let db = Db::connect(
        DbConfig::from_url(&format!(
            "{}?sslmode=disable&connection_limit=2&connect_timeout=2",
            cluster.url("postgres")
        ))
        .expect("url"),
    )
    .expect("pool");
    db.query("SELECT 1", &[]).await.expect("before");
    cluster.stop().expect("stop");
    let down = db.query("SELECT 1", &[]).await.expect_err("server is down");
    assert!(
        matches!(down, Error::Unreachable { .. } | Error::Connection(_)),
        "{down:?}"
    );
    cluster.start(trato_pg::EPHEMERAL_SETTINGS).expect("start again");
    // The pooled connections died with the server; recycling notices and opens new ones.
    for _ in 0..3 {
        db.query("SELECT 1", &[])
            .await
            .expect("after restart, without restarting the process");
    }
    cluster.destroy().expect("destroy");
}

struct Pki {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn pki(names: &[&str]) -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).expect("params");
    let issuer = rcgen::Issuer::new(ca_params_again(), ca_key);
    let cert = params.signed_by(&key, &issuer).expect("server cert");
    Pki {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

fn ca_params_again() -> rcgen::CertificateParams {
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p
}

async fn ssl_in_use(url: &str) -> Result<bool, Error> {
    let db = Db::connect(DbConfig::from_url(url)?)?;
    let row = db
        .conn()
        .await?
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await?;
    db.close();
    Ok(row.get(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_require_verify_ca_and_verify_full() {
    let cluster = own_cluster();
    let good = pki(&["127.0.0.1", "localhost"]);
    let wrong_name = pki(&["db.example.com"]);
    let cert = cluster
        .write_file("server.crt", good.cert_pem.as_bytes(), 0o644)
        .expect("cert");
    let key = cluster
        .write_file("server.key", good.key_pem.as_bytes(), 0o600)
        .expect("key");
    let ca = cluster.write_file("ca.crt", good.ca_pem.as_bytes(), 0o644).expect("ca");
    let other_ca = cluster
        .write_file("other-ca.crt", wrong_name.ca_pem.as_bytes(), 0o644)
        .expect("other ca");
    cluster.stop().expect("stop");
    let cert_s = cert.display().to_string();
    let key_s = key.display().to_string();
    let mut settings: Vec<(&str, &str)> = trato_pg::EPHEMERAL_SETTINGS.to_vec();
    settings.extend([
        ("ssl", "on"),
        ("ssl_cert_file", cert_s.as_str()),
        ("ssl_key_file", key_s.as_str()),
    ]);
    cluster.start(&settings).expect("start with TLS");
    let base = cluster.url("postgres");

    assert!(!ssl_in_use(&format!("{base}?sslmode=disable")).await.expect("plain"));
    assert!(ssl_in_use(&format!("{base}?sslmode=prefer")).await.expect("prefer"));
    assert!(ssl_in_use(&format!("{base}?sslmode=require")).await.expect("require"));
    assert!(
        ssl_in_use(&format!("{base}?sslmode=verify-ca&sslrootcert={}", ca.display()))
            .await
            .expect("verify-ca")
    );
    assert!(
        ssl_in_use(&format!("{base}?sslmode=verify-full&sslrootcert={}", ca.display()))
            .await
            .expect("verify-full")
    );

    // A certificate from another CA is refused by both verifying modes, and the error says TLS.
    for mode in ["verify-ca", "verify-full"] {
        let err = ssl_in_use(&format!("{base}?sslmode={mode}&sslrootcert={}", other_ca.display()))
            .await
            .expect_err(mode);
        assert!(matches!(err, Error::Tls { .. }), "{mode}: {err:?}");
        assert!(!format!("{err:?}").contains(&cluster.password), "{err:?}");
    }
    // verify-full without a CA file is a clear configuration error, not a silent downgrade.
    let no_ca = Db::connect(
        DbConfig::from_url(&format!("{base}?sslmode=verify-full&sslrootcert=/nonexistent/root.crt")).expect("url"),
    );
    assert!(matches!(no_ca, Err(Error::Tls { .. })), "{no_ca:?}");

    // A server certificate for another host name: verify-ca accepts it, verify-full does not.
    cluster
        .write_file("server.crt", wrong_name.cert_pem.as_bytes(), 0o644)
        .expect("cert");
    cluster
        .write_file("server.key", wrong_name.key_pem.as_bytes(), 0o600)
        .expect("key");
    cluster
        .write_file("ca.crt", wrong_name.ca_pem.as_bytes(), 0o644)
        .expect("ca");
    cluster.stop().expect("stop");
    cluster.start(&settings).expect("restart with the other certificate");
    assert!(
        ssl_in_use(&format!("{base}?sslmode=verify-ca&sslrootcert={}", ca.display()))
            .await
            .expect("verify-ca ignores the name")
    );
    let err = ssl_in_use(&format!("{base}?sslmode=verify-full&sslrootcert={}", ca.display()))
        .await
        .expect_err("name mismatch");
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    cluster.destroy().expect("destroy");
}
