//! Rows named by any unique key (issue 16): `find_by`, `update_by`, `delete_by`, `upsert` with a typed
//! conflict target, keyset pages ordered by any unique key, compound ones included. Each also tries the
//! same key in another tenant: nothing found, changed or paged.

use trato_hive_db::runtime::{Direction, Error, Filter};
use trato_hive_db::*;
use trato_tests::TestDb;

use crate::repo::{members, writer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_are_found_updated_and_deleted_by_any_unique_key() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    // The same company name in both tenants: the unique is (organization_id, name).
    let ours = a
        .repo::<Company>()
        .create(CompanyCreate::new("Acme".into()))
        .await
        .expect("ours");
    let theirs = b
        .repo::<Company>()
        .create(CompanyCreate::new("Acme".into()))
        .await
        .expect("theirs");
    let found = a
        .repo::<Company>()
        .find_by(Company::BY_NAME.eq("Acme"))
        .await
        .expect("find");
    assert_eq!(found.map(|c| c.id), Some(ours.id.clone()));
    // The primary key, without the tenant key: another tenant's id is not found.
    assert!(a
        .repo::<Company>()
        .find_by(Company::BY_ID.eq(theirs.id.clone()))
        .await
        .expect("find")
        .is_none());
    assert!(matches!(
        a.repo::<Company>().find_by_or_throw(Company::BY_NAME.eq("Nope")).await,
        Err(Error::NotFound { what }) if what == "Company with that name"
    ));
    let updated = a
        .repo::<Company>()
        .update_by(Company::BY_NAME.eq("Acme"), CompanyUpdate::default().industry("saas"))
        .await
        .expect("update");
    assert_eq!(
        (updated.id.as_str(), updated.industry.as_deref()),
        (ours.id.as_str(), Some("saas"))
    );
    assert!(matches!(
        a.repo::<Company>()
            .update_by(
                Company::BY_ID.eq(theirs.id.clone()),
                CompanyUpdate::default().industry("x")
            )
            .await,
        Err(Error::NotFound { .. })
    ));
    // A compound key: (document_id, chunk_index), the tenant key left to the scope.
    let doc = a
        .repo::<Document>()
        .create(DocumentCreate::new("deck.pdf".into(), "s3://deck".into()))
        .await
        .expect("doc");
    for i in 0..3 {
        a.repo::<DocumentChunk>()
            .create(DocumentChunkCreate::new(doc.id.clone(), format!("c{i}"), i))
            .await
            .expect("chunk");
    }
    let key = || DocumentChunk::BY_DOCUMENT_ID_CHUNK_INDEX.eq((doc.id.clone(), 1));
    let chunk = a
        .repo::<DocumentChunk>()
        .find_by_or_throw(key())
        .await
        .expect("chunk 1");
    assert_eq!(chunk.content, "c1");
    assert!(b
        .repo::<DocumentChunk>()
        .find_by(key())
        .await
        .expect("other tenant")
        .is_none());
    assert!(matches!(
        b.repo::<DocumentChunk>().delete_by(key()).await,
        Err(Error::NotFound { .. })
    ));
    let gone = a.repo::<DocumentChunk>().delete_by(key()).await.expect("delete");
    assert_eq!(gone.id, chunk.id);
    assert!(a.repo::<DocumentChunk>().find_by(key()).await.expect("find").is_none());
    // Their company is untouched.
    let theirs_now = b
        .repo::<Company>()
        .find_by_or_throw(Company::BY_ID.eq(theirs.id))
        .await
        .expect("theirs");
    assert_eq!(theirs_now.industry, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upsert_targets_a_unique_key_in_the_tenant() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    let theirs = b
        .repo::<Company>()
        .create(CompanyCreate::new("Acme".into()))
        .await
        .expect("theirs");
    let companies = a.repo::<Company>();
    let upsert = |employees: i32| {
        companies.upsert(
            Company::BY_NAME,
            CompanyCreate::new("Acme".into()),
            CompanyUpdate::default().employees(employees),
        )
    };
    let first = upsert(1).await.expect("insert: org_b's Acme is not a conflict here");
    assert_ne!(first.id, theirs.id);
    assert_eq!(first.employees, None);
    let second = upsert(2).await.expect("update");
    assert_eq!((second.id, second.employees), (first.id, Some(2)));
    let theirs_now = b
        .repo::<Company>()
        .find_by_or_throw(Company::BY_NAME.eq("Acme"))
        .await
        .expect("theirs");
    assert_eq!(theirs_now.employees, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyset_pages_follow_any_unique_key_and_cursors_stay_with_their_key() {
    let t = TestDb::new().await;
    members(&t).await;
    let db = t.app_pool("");
    let (a, b) = (writer(&db, "u_owner", "org_a").await, writer(&db, "u_b", "org_b").await);
    for name in ["delta", "alpha", "echo", "charlie", "bravo"] {
        a.repo::<Company>()
            .create(CompanyCreate::new(name.into()))
            .await
            .expect("company");
        b.repo::<Company>()
            .create(CompanyCreate::new(format!("{name}-b")))
            .await
            .expect("theirs");
    }
    let repo = a.repo::<Company>();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = repo
            .find_page_by(
                Company::BY_NAME,
                Filter::all(),
                Direction::Forward,
                cursor.as_deref(),
                2,
            )
            .await
            .expect("page");
        seen.extend(page.items.into_iter().map(|c| c.name));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["alpha", "bravo", "charlie", "delta", "echo"]);
    let back = repo
        .find_page_by(Company::BY_NAME, Filter::all(), Direction::Backward, None, 3)
        .await
        .expect("backward");
    let names: Vec<String> = back.items.into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["echo", "delta", "charlie"]);
    // A cursor made for the name ordering is refused by the primary key's, and by another tenant.
    let cursor = back.next.expect("more");
    assert!(matches!(
        repo.find_page(Filter::all(), Direction::Backward, Some(&cursor), 3)
            .await,
        Err(Error::InvalidCursor)
    ));
    assert!(matches!(
        b.repo::<Company>()
            .find_page_by(Company::BY_NAME, Filter::all(), Direction::Backward, Some(&cursor), 3)
            .await,
        Err(Error::InvalidCursor)
    ));
    // A compound key: chunks by (document_id, chunk_index), across two documents.
    let mut docs = Vec::new();
    for name in ["one", "two"] {
        let doc = a
            .repo::<Document>()
            .create(DocumentCreate::new(name.into(), "s3://x".into()))
            .await
            .expect("doc");
        for i in [2, 0, 1] {
            a.repo::<DocumentChunk>()
                .create(DocumentChunkCreate::new(doc.id.clone(), format!("{name}{i}"), i))
                .await
                .expect("chunk");
        }
        docs.push(doc.id);
    }
    docs.sort();
    let chunks = a.repo::<DocumentChunk>();
    let mut order = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = chunks
            .find_page_by(
                DocumentChunk::BY_DOCUMENT_ID_CHUNK_INDEX,
                Filter::all(),
                Direction::Forward,
                cursor.as_deref(),
                4,
            )
            .await
            .expect("chunk page");
        order.extend(page.items.into_iter().map(|c| (c.document_id, c.chunk_index)));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let expected: Vec<(String, i32)> = docs.iter().flat_map(|d| (0..3).map(move |i| (d.clone(), i))).collect();
    assert_eq!(order, expected);
}
