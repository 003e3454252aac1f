//! Raw: each scenario in hand-written tokio-postgres running the same SQL as ours, prepared once per
//! connection, as the owner (the baseline every ratio divides by).

use super::*;

/// A raw connection: the held one with its statement cache, or one checked out of the raw pool. (Boxing
/// the pooled object would add an allocation per operation to the baseline.)
#[allow(clippy::large_enum_variant)]
enum RawConn<'a> {
    Held(&'a Client, &'a Mutex<HashMap<String, Statement>>),
    Pooled(deadpool_postgres::Object),
}

impl RawConn<'_> {
    async fn of(s: &Setup, pooled: bool) -> anyhow::Result<RawConn<'_>> {
        Ok(if pooled {
            RawConn::Pooled(s.raw_pool.get().await?)
        } else {
            RawConn::Held(&s.raw, &s.raw_stmts)
        })
    }

    fn client(&self) -> &Client {
        match self {
            RawConn::Held(c, _) => c,
            RawConn::Pooled(o) => o,
        }
    }

    /// The statement, prepared on this connection the first time only (what an application that prepares
    /// its statements does).
    async fn prep(&self, sql: &str) -> anyhow::Result<Statement> {
        match self {
            RawConn::Held(c, cache) => {
                if let Some(st) = cache.lock().expect("cache").get(sql) {
                    return Ok(st.clone());
                }
                let st = c.prepare(sql).await?;
                cache.lock().expect("cache").insert(sql.to_string(), st.clone());
                Ok(st)
            }
            RawConn::Pooled(o) => Ok(o.prepare_cached(sql).await?),
        }
    }
}

/// The update ours issues for an audited model: the change and its audit row in one statement.
fn audited_deal_update(dcols: &str, value: &str) -> String {
    format!(
        "WITH w AS (UPDATE \"deals\" AS t SET \"probability\" = {value}, \"updated_at\" = now() WHERE t.\"organization_id\" = $2 AND t.\"deleted_at\" IS NULL AND t.\"id\" = $3 RETURNING {dcols}), \
         a AS (INSERT INTO \"activities\" (\"id\", \"organization_id\", \"type\", \"description\", \"metadata\", \"user_id\", \"deal_id\") \
         SELECT gen_random_uuid()::text, w.\"organization_id\", $4::text::\"ActivityType\", $5::text, \
         jsonb_build_object('model', $6::text, 'action', $7::text, 'id', w.\"id\", 'fields', $8::text::jsonb, 'reason', $9::text), $10::text, w.\"id\" FROM w) \
         SELECT {} FROM w",
        dcols.replace("t.", "w.")
    )
}

/// The insert ours issues for an audited document: the row and its audit row in one statement ($1 tenant,
/// $2 id, $3 name, $4 file URL, then the audit parameters of [`document_audit_params`]).
fn audited_document_insert() -> String {
    let cols = cols(&<Document as runtime::Model>::META).replace("t.", "");
    format!(
        "WITH w AS (INSERT INTO \"documents\" AS t (\"organization_id\", \"id\", \"name\", \"file_url\", \"updated_at\") VALUES ($1, $2, $3, $4, now()) RETURNING {cols}), \
         a AS (INSERT INTO \"activities\" (\"id\", \"organization_id\", \"type\", \"description\", \"metadata\", \"user_id\", \"document_id\") \
         SELECT gen_random_uuid()::text, w.\"organization_id\", $5::text::\"ActivityType\", $6::text, \
         jsonb_build_object('model', $7::text, 'action', $8::text, 'id', w.\"id\", 'fields', $9::text::jsonb, 'reason', $10::text), $11::text, w.\"id\" FROM w) \
         SELECT {} FROM w",
        cols.split(", ").map(|c| format!("w.{c}")).collect::<Vec<_>>().join(", ")
    )
}

/// The audit parameters of [`audited_document_insert`] ($5 to $11).
pub(crate) fn document_audit_params() -> AuditParams {
    (
        "DOCUMENT_UPLOADED",
        "Document created",
        "Document",
        "create",
        "[\"id\", \"name\", \"file_url\"]",
        None,
        Some("u1"),
    )
}

/// The chunks of a nested create: ids, contents, indexes and their document, one array per column.
pub(crate) fn chunk_columns(doc: &str) -> (Vec<String>, Vec<String>, Vec<i32>, Vec<String>) {
    (
        (0..CHUNKS).map(|_| runtime::ids::cuid()).collect(),
        (0..CHUNKS).map(|k| format!("chunk {k}")).collect(),
        (0..CHUNKS as i32).collect(),
        vec![doc.to_string(); CHUNKS],
    )
}

/// What an audited write binds after its own values: kind, description, model, action, fields (JSON),
/// reason, actor.
pub(crate) type AuditParams = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

/// The audit parameters of [`audited_deal_update`] ($4 to $10).
pub(crate) fn audit_params() -> AuditParams {
    (
        "USER_ACTION",
        "Deal updated",
        "Deal",
        "update",
        "[\"probability\"]",
        None,
        Some("u1"),
    )
}

/// The statements raw runs, written once as a hand-written application would keep them (building them per
/// operation would charge raw for string formatting ours does not do either).
pub(crate) struct RawSql {
    pub(crate) find_by_id: String,
    pub(crate) find_many: String,
    pub(crate) read_1000: String,
    pub(crate) read_10000: String,
    pub(crate) children: String,
    pub(crate) page: String,
    pub(crate) parents: String,
    pub(crate) page_companies: String,
    pub(crate) count: String,
    pub(crate) insert: String,
    pub(crate) update: String,
    pub(crate) counts: String,
    pub(crate) increment: String,
    pub(crate) document: String,
    pub(crate) chunks: String,
}

pub(crate) fn raw_sql() -> &'static RawSql {
    static SQL: std::sync::OnceLock<RawSql> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let dcols = cols(&<Deal as runtime::Model>::META);
        let ccols = cols(&<Company as runtime::Model>::META);
        let acols = cols(&<Activity as runtime::Model>::META).replace("t.", "");
        RawSql {
            find_by_id: format!("SELECT {dcols} FROM \"deals\" t WHERE t.\"organization_id\" = $1 AND t.\"deleted_at\" IS NULL AND t.\"id\" = $2 LIMIT $3"),
            find_many: format!("SELECT {dcols} FROM \"deals\" t WHERE t.\"organization_id\" = $1 AND t.\"deleted_at\" IS NULL AND t.\"stage\" = $2 ORDER BY t.\"name\" LIMIT $3"),
            read_1000: format!("SELECT {dcols} FROM \"deals\" t WHERE t.\"organization_id\" = $1 AND t.\"deleted_at\" IS NULL AND TRUE ORDER BY t.\"id\" LIMIT $2"),
            read_10000: format!("SELECT {dcols} FROM \"deals\" t WHERE t.\"organization_id\" = $1 AND t.\"deleted_at\" IS NULL AND TRUE LIMIT $2"),
            children: format!("SELECT {dcols} FROM \"deals\" t WHERE t.\"organization_id\" = $1 AND t.\"deleted_at\" IS NULL AND t.\"company_id\" = ANY($2) ORDER BY t.\"organization_id\", t.\"id\""),
            page: format!("SELECT {dcols} FROM \"deals\" t WHERE t.\"organization_id\" = $1 AND t.\"deleted_at\" IS NULL AND t.\"stage\" = $2 ORDER BY t.\"id\" LIMIT $3 OFFSET $4"),
            parents: format!("SELECT {ccols} FROM \"companies\" t WHERE t.\"organization_id\" = $1 AND t.\"deleted_at\" IS NULL AND TRUE ORDER BY t.\"id\" LIMIT $2"),
            page_companies: format!("SELECT {ccols} FROM \"companies\" t WHERE t.\"organization_id\" = $1 AND t.\"deleted_at\" IS NULL AND t.\"id\" = ANY($2) ORDER BY t.\"organization_id\", t.\"id\""),
            count: "SELECT count(*) FROM \"deals\" t WHERE t.\"organization_id\" = $1 AND t.\"deleted_at\" IS NULL AND t.\"stage\" = $2".into(),
            insert: format!("INSERT INTO \"activities\" AS t (\"organization_id\", \"id\", \"type\", \"description\") VALUES ($1, $2, $3, $4) RETURNING {acols}"),
            update: audited_deal_update(&dcols, "$1"),
            counts: "SELECT t.\"company_id\", count(*) FROM \"deals\" t WHERE t.\"organization_id\" = $1 AND t.\"deleted_at\" IS NULL AND t.\"company_id\" = ANY($2) GROUP BY t.\"company_id\"".into(),
            increment: audited_deal_update(&dcols, "t.\"probability\" + $1"),
            document: audited_document_insert(),
            chunks: format!(
                "INSERT INTO \"document_chunks\" (\"organization_id\", \"id\", \"content\", \"chunk_index\", \"document_id\") SELECT $1::text, u.* FROM UNNEST($2::TEXT[], $3::TEXT[], $4::INTEGER[], $5::TEXT[]) AS u RETURNING {}",
                cols(&<DocumentChunk as runtime::Model>::META).replace("t.", "")
            ),
        }
    })
}

pub(crate) async fn raw(s: &Setup, sc: Scenario, i: usize, pooled: bool) -> anyhow::Result<u64> {
    let conn = RawConn::of(s, pooled).await?;
    let c = conn.client();
    let t = &s.tenant;
    let sql = raw_sql();
    let conn = &conn;
    let q = |text: &'static str| async move { conn.prep(text).await };
    Ok(match sc {
        Scenario::FindById => {
            let st = q(&sql.find_by_id).await?;
            decode::<Deal>(c, &st, &[t, &s.deal_ids[i % s.deal_ids.len()], &1i64])
                .await?
                .first()
                .map_or(0, |d| d.probability.unwrap_or(0) as u64)
        }
        Scenario::FindMany100 => {
            let st = q(&sql.find_many).await?;
            decode::<Deal>(c, &st, &[t, &DealStage::Negotiation, &100i64])
                .await?
                .iter()
                .map(|d| d.probability.unwrap_or(0) as u64)
                .sum()
        }
        Scenario::Count => {
            let st = q(&sql.count).await?;
            c.query_one(&st, &[t, &DealStage::Closing]).await?.get::<_, i64>(0) as u64
        }
        Scenario::InsertOne => {
            let st = q(&sql.insert).await?;
            let desc = format!("q{i}");
            let row = c
                .query_one(&st, &[t, &runtime::ids::cuid(), &ActivityType::AiQuery, &desc])
                .await?;
            row.get::<_, String>("description").len() as u64
        }
        Scenario::UpdateById => {
            let st = q(&sql.update).await?;
            let p = Some((i % 100) as i32);
            let (k, d, m, a, f, r, u) = audit_params();
            let rows = c
                .query(
                    &st,
                    &[&p, t, &s.deal_ids[i % s.deal_ids.len()], &k, &d, &m, &a, &f, &r, &u],
                )
                .await?;
            rows.first()
                .map_or(0, |r| r.get::<_, Option<i32>>("probability").unwrap_or(0) as u64)
        }
        Scenario::Read1000 => {
            let st = q(&sql.read_1000).await?;
            decode::<Deal>(c, &st, &[t, &1000i64]).await?.len() as u64
        }
        Scenario::Read10000 => {
            let st = q(&sql.read_10000).await?;
            decode::<Deal>(c, &st, &[t, &10_000i64]).await?.len() as u64
        }
        Scenario::Include100 => {
            let st = q(&sql.parents).await?;
            let parents = decode::<Company>(c, &st, &[t, &100i64]).await?;
            let ids: Vec<&str> = parents.iter().map(|p| p.id.as_str()).collect();
            let st = q(&sql.children).await?;
            let deals = decode::<Deal>(c, &st, &[t, &ids]).await?;
            group(parents, deals, |p| &p.id, |d| d.company_id.as_deref())
                .iter()
                .map(|(_, d)| d.len() as u64)
                .sum()
        }
        Scenario::Counts100 => {
            let st = q(&sql.parents).await?;
            let parents = decode::<Company>(c, &st, &[t, &100i64]).await?;
            let ids: Vec<&str> = parents.iter().map(|p| p.id.as_str()).collect();
            let st = q(&sql.counts).await?;
            c.query(&st, &[t, &ids])
                .await?
                .iter()
                .map(|r| r.get::<_, i64>(1) as u64)
                .sum()
        }
        Scenario::Increment => {
            let st = q(&sql.increment).await?;
            let (k, d, m, a, f, r, u) = audit_params();
            c.query(
                &st,
                &[&1i32, t, &s.deal_ids[i % s.deal_ids.len()], &k, &d, &m, &a, &f, &r, &u],
            )
            .await?;
            1
        }
        Scenario::NestedCreate => {
            c.batch_execute("BEGIN").await?;
            let st = q(&sql.document).await?;
            let (id, name) = (runtime::ids::cuid(), format!("doc {i}"));
            let (k, d, m, a, f, r, u) = document_audit_params();
            let docs = decode::<Document>(c, &st, &[t, &id, &name, &"s3://bench", &k, &d, &m, &a, &f, &r, &u]).await?;
            let st = q(&sql.chunks).await?;
            let (ids, contents, indexes, documents) = chunk_columns(&id);
            let chunks = decode::<DocumentChunk>(c, &st, &[t, &ids, &contents, &indexes, &documents]).await?;
            c.batch_execute("COMMIT").await?;
            docs.len() as u64 + chunks.len() as u64
        }
        Scenario::PageWithTotal => {
            c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?;
            let st = q(&sql.page).await?;
            let items = decode::<Deal>(c, &st, &[t, &DealStage::Sourcing, &20i64, &40i64]).await?;
            let st2 = q(&sql.page_companies).await?;
            let companies = decode::<Company>(c, &st2, &[t, &keys_of(&items, |d| d.company_id.as_deref())]).await?;
            let st3 = q(&sql.count).await?;
            let total: i64 = c.query_one(&st3, &[t, &DealStage::Sourcing]).await?.get(0);
            c.batch_execute("COMMIT").await?;
            let items = attach(items, companies, |d| d.company_id.as_deref(), |c| &c.id);
            total as u64 + items.len() as u64
        }
        Scenario::BulkCreate => {
            // The fastest way the application role has under RLS (COPY FROM is refused there): one
            // INSERT ... SELECT FROM UNNEST of one array per column, in a transaction bound to the tenant.
            let a = &s.raw_app;
            let ids: Vec<String> = (0..BULK).map(|_| runtime::ids::cuid()).collect();
            let descriptions: Vec<String> = (0..BULK).map(|k| format!("bulk {i} {k}")).collect();
            let kinds: Vec<ActivityType> = vec![ActivityType::UserAction; BULK];
            a.batch_execute("BEGIN").await?;
            a.execute("SELECT trato_set_tenant($1)", &[t]).await?;
            let st = a
                .prepare("INSERT INTO \"activities\" (\"organization_id\", \"id\", \"type\", \"description\") SELECT $1, * FROM UNNEST($2::text[], $3::\"ActivityType\"[], $4::text[])")
                .await?;
            let n = a.execute(&st, &[t, &ids, &kinds, &descriptions]).await?;
            a.batch_execute("COMMIT").await?;
            n
        }
        Scenario::TxReadWrite => {
            let id = &s.deal_ids[i % s.deal_ids.len()];
            c.batch_execute("BEGIN").await?;
            let st = q(&sql.find_by_id).await?;
            let d = c
                .query(&st, &[t, id, &1i64])
                .await?
                .first()
                .map_or(0, |r| r.get::<_, Option<i32>>("probability").unwrap_or(0));
            let st = q(&sql.update).await?;
            let p: &(dyn ToSql + Sync) = &Some((d + 1) % 100);
            let (k, d, m, a, f, r, u) = audit_params();
            c.query(&st, &[p, t, id, &k, &d, &m, &a, &f, &r, &u]).await?;
            c.batch_execute("COMMIT").await?;
            1
        }
    })
}
