//! What the Studio tests share: a fresh database of the project's schema with two organizations, and
//! Studio started on it in-process.
#![allow(dead_code)]

use trato_studio::{Config, Studio};
use trato_tests::TestDb;

/// A fresh database with two organizations (A with a member), and Studio on it.
pub async fn studio(read_only: bool) -> (TestDb, Studio) {
    let t = TestDb::new().await;
    t.pool("")
        .conn()
        .await
        .expect("conn")
        .batch_execute(
            "INSERT INTO users (id, email, updated_at) VALUES ('u_a', 'a@a', now());
             INSERT INTO organizations (id, name, slug, updated_at) VALUES ('org_a', 'Alpha', 'a', now()), ('org_b', 'Beta', 'b', now());
             INSERT INTO companies (id, organization_id, name, updated_at) VALUES
               ('c_a', 'org_a', 'Acme', now()), ('c_b', 'org_b', 'Bolt', now());
             INSERT INTO deals (id, organization_id, company_id, name, updated_at) VALUES
               ('d_a1', 'org_a', 'c_a', 'Alpha one', now()), ('d_a2', 'org_a', 'c_a', 'Alpha two', now()),
               ('d_b1', 'org_b', 'c_b', 'Beta one', now());",
        )
        .await
        .expect("seed");
    let studio = trato_studio::start(Config {
        schema: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/schema.prisma"),
        db: trato_hive_runtime::DbConfig::from_url(&format!("{}?sslmode=disable", t.url)).expect("url"),
        port: 0,
        read_only,
        force_non_dev: false,
        audit_log: Some("Activity".into()),
    })
    .await
    .expect("studio starts");
    (t, studio)
}
