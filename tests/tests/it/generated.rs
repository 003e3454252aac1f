//! The generated code compiles (this crate's library holds it) and behaves: model metadata matches the
//! schema, enums map to PostgreSQL and JSON with the schema's spelling, models round-trip through serde.

use std::str::FromStr;

use trato_hive_runtime::__private::bytes::BytesMut;
use trato_hive_runtime::__private::postgres_types::{FromSql, Kind, ToSql, Type};
use trato_hive_runtime::{DefaultKind, Model, RelationKindMeta, TenancyMeta};
use trato_tests::all_types::{Author, Everything, Membership, Mood, Note, Post, Profile, Tag};

fn enum_type(name: &str, values: &[&str]) -> Type {
    Type::new(
        name.to_string(),
        0,
        Kind::Enum(values.iter().map(|v| v.to_string()).collect()),
        "public".to_string(),
    )
}

#[test]
fn model_metadata_follows_the_schema() {
    let meta = Everything::META;
    assert_eq!(meta.table, "everything");
    assert_eq!(meta.primary_key, ["id"]);
    assert_eq!(meta.tenancy, TenancyMeta::Unmarked);
    assert_eq!(meta.uniques, [&["cuid"][..], &["varchar", "small"][..]]);
    let at_tz = meta.column("at_tz").expect("at_tz column");
    assert_eq!((at_tz.field, at_tz.default), ("at_tz", Some(DefaultKind::Now)));
    assert_eq!(
        meta.column("id").and_then(|c| c.default),
        Some(DefaultKind::Autoincrement)
    );
    assert_eq!(
        meta.column("generated").and_then(|c| c.default),
        Some(DefaultKind::DbGenerated)
    );
    assert!(meta.column("updated_at").is_some_and(|c| c.updated_at));
    assert!(meta.column("int").is_some_and(|c| c.nullable));
    assert!(meta.column("match_").is_some_and(|c| c.field == "match"));
    // Unsupported and @ignore fields exist in the database only.
    assert!(meta.column("search").is_none() && meta.column("secret").is_none());

    assert_eq!(Membership::META.primary_key, ["team_id", "user_id"]);
    let member = Note::META.relation("member").expect("member relation");
    assert_eq!(
        (member.columns, member.references),
        (&["teamId", "userId"][..], &["team_id", "user_id"][..])
    );

    let profile = Author::META.relation("profile").expect("profile");
    assert_eq!(profile.kind, RelationKindMeta::OneToOne);
    assert_eq!((profile.columns, profile.references), (&["id"][..], &["author_id"][..]));
    assert_eq!(
        Profile::META.relation("author").map(|r| r.kind),
        Some(RelationKindMeta::OneToOne)
    );
    assert_eq!(Author::META.relation("posts").map(|r| r.name), Some("Authored"));
    assert_eq!(
        Author::META.relation("mentees").map(|r| r.kind),
        Some(RelationKindMeta::OneToMany)
    );
    assert_eq!(
        Post::META.relation("tags").map(|r| r.kind),
        Some(RelationKindMeta::ManyToMany)
    );
    assert_eq!(Tag::META.relation("posts").map(|r| r.name), Some("PostToTag"));
}

#[test]
fn trato_hive_models_carry_their_tenancy() {
    use trato_hive_db::*;
    assert_eq!(Organization::META.tenancy, TenancyMeta::Root);
    for meta in [User::META, Account::META, Session::META, VerificationToken::META] {
        assert_eq!(meta.tenancy, TenancyMeta::Global, "{}", meta.name);
    }
    let owned = [
        OrganizationMember::META,
        Company::META,
        Deal::META,
        Document::META,
        DocumentChunk::META,
        Fact::META,
        Activity::META,
    ];
    for meta in owned {
        assert_eq!(
            meta.tenancy,
            TenancyMeta::Owned { key: "organization_id" },
            "{}",
            meta.name
        );
        assert!(
            meta.column("organization_id").is_some_and(|c| !c.nullable),
            "{}",
            meta.name
        );
        let org = meta.relation("organization").expect("relation to the tenant root");
        assert_eq!((org.target, org.columns), ("Organization", &["organization_id"][..]));
    }
    assert_eq!(Deal::META.table, "deals");
    assert_eq!(VerificationToken::META.primary_key, ["identifier", "token"]);
    assert_eq!(DealStage::VARIANTS.len(), 8);
    assert_eq!(DealStage::InitialReview.as_str(), "INITIAL_REVIEW");
}

#[test]
fn enums_use_the_schema_spelling_everywhere() {
    assert_eq!(Mood::Sad.to_string(), "SAD");
    assert_eq!(Mood::from_str("MEH"), Ok(Mood::Meh));
    let err = Mood::from_str("sad").expect_err("db spelling is not the schema spelling");
    assert_eq!(err.to_string(), "`sad` is not a value of enum mood");
    assert_eq!(serde_json::to_string(&Mood::Happy).expect("json"), "\"HAPPY\"");
    assert_eq!(serde_json::from_str::<Mood>("\"SAD\"").expect("json"), Mood::Sad);
    assert!(serde_json::from_str::<Mood>("\"NOPE\"").is_err());
    assert_eq!(Mood::PG_TYPE, "mood");
    assert_eq!(Mood::VARIANTS, [Mood::Happy, Mood::Sad, Mood::Meh]);
}

#[test]
fn enums_map_to_their_postgres_type() {
    let ty = enum_type("mood", &["HAPPY", "sad", "MEH"]);
    assert!(<Mood as ToSql>::accepts(&ty));
    assert!(!<Mood as ToSql>::accepts(&Type::TEXT));
    assert!(!<Mood as FromSql>::accepts(&enum_type("other", &["HAPPY"])));
    let mut buf = BytesMut::new();
    Mood::Sad.to_sql_checked(&ty, &mut buf).expect("to_sql");
    assert_eq!(&buf[..], b"sad", "the database spelling (@map) is what is stored");
    assert_eq!(Mood::from_sql(&ty, b"sad").expect("from_sql"), Mood::Sad);
    assert!(Mood::from_sql(&ty, b"SAD").is_err());
    let mut wrong = BytesMut::new();
    assert!(Mood::Sad.to_sql_checked(&Type::TEXT, &mut wrong).is_err());
}

#[test]
fn models_round_trip_through_json_with_schema_field_names() {
    let tag = Tag {
        id: 7,
        name: "m&a".into(),
    };
    let json = serde_json::to_value(&tag).expect("json");
    assert_eq!(json, serde_json::json!({"id": 7, "name": "m&a"}));
    let member = Membership {
        team_id: 1,
        user_id: "u".into(),
        role: "owner".into(),
    };
    let json = serde_json::to_value(&member).expect("json");
    assert_eq!(json, serde_json::json!({"teamId": 1, "userId": "u", "role": "owner"}));
    assert_eq!(serde_json::from_value::<Membership>(json).expect("back"), member);
}

#[test]
fn the_typescript_module_matches_the_json_of_the_models() {
    let ts =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/ts/trato-hive-db.ts"))
            .expect("ts module");
    // Every enum value, spelled as in the schema.
    for v in trato_hive_db::DealStage::VARIANTS {
        assert!(ts.contains(&format!("  {v}: \"{v}\",")), "{v}");
    }
    // The fields of the Deal interface are the keys of a Deal's JSON.
    let start = ts.find("export interface Deal {").expect("Deal interface");
    let body = &ts[start..ts[start..].find("\n}").map_or(ts.len(), |e| start + e)];
    let mut ts_fields: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| !l.trim_start().starts_with('*') && !l.starts_with('/'))
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    let deal = trato_hive_db::Deal {
        id: "d".into(),
        organization_id: "o".into(),
        company_id: None,
        name: "n".into(),
        r#type: trato_hive_db::DealType::Acquisition,
        stage: trato_hive_db::DealStage::Sourcing,
        value: None,
        currency: "USD".into(),
        probability: Some(5),
        expected_close_date: None,
        description: None,
        created_at: chrono_now(),
        updated_at: chrono_now(),
        deleted_at: None,
    };
    let json = serde_json::to_value(&deal).expect("json");
    let mut keys: Vec<&str> = json.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    ts_fields.sort_unstable();
    assert_eq!(ts_fields, keys);
}

fn chrono_now() -> trato_hive_runtime::__private::chrono::DateTime<trato_hive_runtime::__private::chrono::Utc> {
    trato_hive_runtime::__private::chrono::Utc::now()
}

/// A plain Prisma schema (no tenancy) through the same repositories: global models from the client,
/// one-to-one, self relations and implicit many-to-many includes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_schema_works_through_global_repositories() {
    use trato_hive_runtime::{Filter, Query};
    use trato_tests::all_types::*;
    let t = trato_tests::TestDb::empty().await;
    let src =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/all_types.prisma"))
            .expect("schema");
    let db = t.pool("");
    db.conn()
        .await
        .expect("conn")
        .batch_execute(&trato_codegen::ddl(&src).expect("ddl"))
        .await
        .expect("apply");

    let mentor = db
        .repo::<Author>()
        .create(AuthorCreate::new("mentor@x".into()))
        .await
        .expect("author");
    let mentee = db
        .repo::<Author>()
        .create(AuthorCreate::new("mentee@x".into()).mentor_id(mentor.id.clone()))
        .await
        .expect("author");
    db.repo::<Profile>()
        .create(ProfileCreate::new("bio".into(), mentor.id.clone()))
        .await
        .expect("profile");
    let post = db
        .repo::<Post>()
        .create(PostCreate::new("Hello".into(), mentor.id.clone()))
        .await
        .expect("post");
    let rust = db
        .repo::<Tag>()
        .create(TagCreate::new("rust".into()))
        .await
        .expect("tag");
    let pg = db
        .repo::<Tag>()
        .create(TagCreate::new("postgres".into()))
        .await
        .expect("tag");
    db.execute(
        "INSERT INTO \"_PostToTag\" (\"A\", \"B\") VALUES ($1, $2), ($1, $3)",
        &[&post.id, &rust.id, &pg.id],
    )
    .await
    .expect("join rows");

    let posts = db
        .repo::<Post>()
        .find_many_with(Query::new(), (Post::TAGS, Post::AUTHOR))
        .await
        .expect("m:n include");
    let (p, (tags, author)) = &posts[0];
    assert_eq!(p.title, "Hello");
    assert_eq!(
        tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["rust", "postgres"]
    );
    assert_eq!(author.as_ref().map(|a| a.email.as_str()), Some("mentor@x"));
    let tags = db
        .repo::<Tag>()
        .find_many_with(Query::new().order_by(Tag::NAME.asc()), Tag::POSTS)
        .await
        .expect("the other side");
    assert!(tags.iter().all(|(_, posts)| posts.len() == 1 && posts[0].id == post.id));
    let authors = db
        .repo::<Author>()
        .find_many_with(Author::ID.eq(mentor.id.clone()), (Author::PROFILE, Author::MENTEES))
        .await
        .expect("1:1 and self");
    let (_, (profile, mentees)) = &authors[0];
    assert_eq!(profile.as_ref().map(|p| p.bio.as_str()), Some("bio"));
    assert_eq!(
        mentees.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        [mentee.id.as_str()]
    );
    // Every scalar type round-trips through create and read.
    let e = db
        .repo::<Everything>()
        .create(
            EverythingCreate::new("v".into(), vec![1, 2], vec![Mood::Meh, Mood::Happy], "keyword".into())
                .tags(vec!["x".to_string()])
                .mood(Mood::Sad),
        )
        .await
        .expect("everything");
    let back = db
        .repo::<Everything>()
        .find_by_id(e.id)
        .await
        .expect("find")
        .expect("row");
    assert_eq!(back, e);
    assert_eq!(
        (back.mood, back.moods.clone(), back.text.as_str(), back.small),
        (Mood::Sad, vec![Mood::Meh, Mood::Happy], "hello \"world\"", -3)
    );
    assert_eq!(
        db.repo::<Everything>()
            .count(Everything::MOOD.eq(Mood::Sad))
            .await
            .expect("count"),
        1
    );
    assert_eq!(db.repo::<Tag>().count(Filter::all()).await.expect("count"), 2);
    // Array columns cannot travel through UNNEST (it would flatten them): this shape takes the VALUES path.
    let bulk = (0..3)
        .map(|i| EverythingCreate::new(format!("v{i}"), vec![i], vec![Mood::Sad], format!("k{i}")).mood(Mood::Meh))
        .collect();
    assert_eq!(
        db.repo::<Everything>()
            .create_many(bulk)
            .await
            .expect("bulk with arrays"),
        3
    );
    let back = db
        .repo::<Everything>()
        .find_many(Everything::MOOD.eq(Mood::Meh))
        .await
        .expect("bulk rows");
    assert_eq!(
        back.iter().map(|e| e.moods.clone()).collect::<Vec<_>>(),
        vec![vec![Mood::Sad]; 3]
    );
    // Scalar list filters (Prisma's has / hasEvery / hasSome / isEmpty): scores are [1, 2], [0], [1], [2].
    let count = |f| async { db.repo::<Everything>().count(f).await.expect("list filter") };
    assert_eq!(count(Everything::SCORES.has(2)).await, 2);
    assert_eq!(count(Everything::SCORES.has_every(vec![1, 2])).await, 1);
    assert_eq!(count(Everything::SCORES.has_some(vec![0, 2])).await, 3);
    assert_eq!(count(Everything::SCORES.is_empty()).await, 0);
    assert_eq!(
        count(Everything::TAGS.has("a".to_string())).await,
        3,
        "the default [a, b]"
    );
    assert_eq!(count(Everything::MOODS.has(Mood::Happy)).await, 1, "a list of enums");
}
