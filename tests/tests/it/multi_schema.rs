//! Prisma's multi-schema through the repositories: tables, enums, a join table and a view in three
//! PostgreSQL schemas (`codegen/test_data/valid/multi_schema.prisma`), created by our DDL, read and
//! written by the generated models; the same table name in two schemas stays two tables; a reset drops
//! the listed schemas too.

use trato_hive_runtime::introspect::catalog_of;
use trato_hive_runtime::migrate::HISTORY_TABLE;
use trato_hive_runtime::{Filter, Migration, Migrator, Query};
use trato_tests::multi_schema::*;

fn schema_source() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/test_data/valid/multi_schema.prisma");
    std::fs::read_to_string(path).expect("schema")
}

/// The view the schema declares: Prisma creates nothing for a view, its SQL is the team's own.
const VIEW: &str = "CREATE VIEW \"transactional\".\"OrderTotals\" AS
    SELECT \"userId\", count(*)::int AS total FROM \"transactional\".\"Order\" GROUP BY \"userId\"";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_in_three_schemas_read_and_write_through_repositories() {
    let t = trato_tests::TestDb::empty().await;
    let db = t.pool("");
    let ddl = trato_codegen::ddl(&schema_source()).expect("ddl");
    let conn = db.conn().await.expect("conn").detach();
    conn.batch_execute(&format!("{ddl}\n{VIEW};")).await.expect("apply");
    drop(conn);

    let ann = db
        .repo::<User>()
        .create(UserCreate::new("ann@x".into(), vec![Role::Admin]))
        .await
        .expect("a user in base");
    let bob = db
        .repo::<User>()
        .create(UserCreate::new("bob@x".into(), Vec::new()))
        .await
        .expect("user");
    assert_eq!(ann.role, Role::User, "the enum default, of a type in base");
    let order = db
        .repo::<Order>()
        .create(OrderCreate::new(ann.id))
        .await
        .expect("an order in transactional, referring to base");
    db.repo::<Order>()
        .create(OrderCreate::new(ann.id).status(Status::Closed))
        .await
        .expect("order");
    db.repo::<Order>()
        .create(OrderCreate::new(bob.id))
        .await
        .expect("order");
    let rust = db.repo::<Tag>().create(TagCreate::new()).await.expect("a tag in base");
    db.execute(
        "INSERT INTO \"transactional\".\"_OrderToTag\" (\"A\", \"B\") VALUES ($1, $2)",
        &[&order.id, &rust.id],
    )
    .await
    .expect("a join row");

    // Includes across schemas, the join table from both sides.
    let orders = db
        .repo::<Order>()
        .find_many_with(Order::ID.eq(order.id), (Order::TAGS, Order::USER))
        .await
        .expect("include");
    let (_, (tags, user)) = &orders[0];
    assert_eq!(
        tags.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        [rust.id.as_str()]
    );
    assert_eq!(user.as_ref().map(|u| u.email.as_str()), Some("ann@x"));
    let tags = db
        .repo::<Tag>()
        .find_many_with(Query::new(), Tag::ORDERS)
        .await
        .expect("the other side");
    assert_eq!(tags[0].1.iter().map(|o| o.id).collect::<Vec<_>>(), [order.id]);

    // A relation filter (EXISTS on a table in another schema), an enum filter, update and count.
    let with_closed = db
        .repo::<User>()
        .find_many(User::ORDERS.some(Order::STATUS.eq(Status::Closed)))
        .await
        .expect("relation filter");
    assert_eq!(with_closed.iter().map(|u| u.id).collect::<Vec<_>>(), [ann.id]);
    let closed = db
        .repo::<Order>()
        .update_many(Order::USER_ID.eq(bob.id), OrderUpdate::default().status(Status::Closed))
        .await
        .expect("update");
    assert_eq!(closed, 1);
    assert_eq!(
        db.repo::<Order>()
            .count(Order::STATUS.eq(Status::Closed))
            .await
            .expect("count"),
        2
    );

    // The view, read like a table.
    let mut totals = db
        .repo::<OrderTotals>()
        .find_many(Filter::all())
        .await
        .expect("the view");
    totals.sort_by_key(|t| t.user_id);
    assert_eq!(
        totals.iter().map(|t| (t.user_id, t.total)).collect::<Vec<_>>(),
        [(ann.id, 2), (bob.id, 1)]
    );

    // `Log` in public and `Log` in transactional are two tables.
    let audit = db
        .repo::<Audit>()
        .create(AuditCreate::new().user_id(ann.id))
        .await
        .expect("public.Log");
    db.repo::<TransactionalLog>()
        .create(TransactionalLogCreate::new(7))
        .await
        .expect("transactional.Log");
    assert_eq!(db.repo::<Audit>().count(Filter::all()).await.expect("count"), 1);
    assert_eq!(
        db.repo::<TransactionalLog>().count(Filter::all()).await.expect("count"),
        1
    );

    // Deleting a user cascades to its orders (transactional) and nulls its audit rows (public).
    db.repo::<User>().delete(ann.id).await.expect("delete");
    assert_eq!(db.repo::<Order>().count(Filter::all()).await.expect("count"), 1);
    let kept = db
        .repo::<Audit>()
        .find_by_id(audit.id)
        .await
        .expect("find")
        .expect("row");
    assert_eq!(kept.user_id, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migrator_creates_lists_and_resets_every_listed_schema() {
    let t = trato_tests::TestDb::empty().await;
    let ddl = trato_codegen::ddl(&schema_source()).expect("ddl");
    let migrations = [Migration {
        name: "20260101000000_init",
        up: Box::leak(ddl.into_boxed_str()),
        down: None,
    }];
    let schemas = ["base", "transactional", "public"];
    let migrator = Migrator::new(&migrations).schemas(&schemas);
    migrator.deploy(&t.config()).await.expect("deploy");
    let db = t.pool("");
    db.repo::<Tag>().create(TagCreate::new()).await.expect("a row in base");
    let listed: Vec<String> = schemas.iter().map(|s| s.to_string()).collect();
    let catalog = catalog_of(&db.conn().await.expect("conn"), HISTORY_TABLE, &listed)
        .await
        .expect("catalog");
    for item in [
        "column base.User.role base.\"Role\" NOT NULL DEFAULT 'USER'::base.\"Role\"",
        "column transactional.Log.id integer NOT NULL",
        "column Log.id bigint NOT NULL DEFAULT nextval('\"Log_id_seq\"'::regclass)",
        "enum transactional.order_status (OPEN, CLOSED)",
    ] {
        assert!(
            catalog.iter().any(|c| c == item),
            "{item} missing from:\n{}",
            catalog.join("\n")
        );
    }
    // Without the list, the other schemas are not looked at.
    let own = trato_hive_runtime::introspect::catalog(&db.conn().await.expect("conn"))
        .await
        .expect("catalog");
    let outside = |c: &String| {
        c.split(' ')
            .nth(1)
            .is_some_and(|n| n.starts_with("base.") || n.starts_with("transactional."))
    };
    assert!(!own.iter().any(outside), "{own:?}");

    migrator.reset(&t.config()).await.expect("reset");
    assert_eq!(
        db.repo::<Tag>().count(Filter::all()).await.expect("count"),
        0,
        "base was emptied"
    );
    let again = catalog_of(&db.conn().await.expect("conn"), HISTORY_TABLE, &listed)
        .await
        .expect("catalog");
    assert_eq!(again, catalog, "and built again by the migrations");
}
