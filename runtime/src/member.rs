//! "My organizations": the tenants one user belongs to, with their role in each, for the application role
//! and without a system scope. The transaction binds the user alone (no tenant, no role): the membership
//! model's `member_self` policy then shows that user's own membership rows, the tenant root's shows the
//! tenants they are in, and every other policy shows nothing (no tenant is bound).

use crate::client::Db;
use crate::error::Error;
use crate::exec::BIND;
use crate::meta::TenantRoot;
use crate::query::q;
use crate::repo::select_list;
use crate::scope::Membership;
use crate::tx::TxOptions;

impl Db {
    /// Every membership of `user_id`, with its tenant root row (e.g. each organization the user is in, and
    /// the membership holding the role), in tenant order. Read in one read-only transaction bound to the
    /// user: another user's memberships, the other members of these tenants and any tenant's data stay
    /// invisible. The caller vouches for `user_id` (the signed-in user), as with [`Db::scope`]. Needs a
    /// schema with `@@membership` ([`Membership::RANKS`] not empty): [`Error::Config`] otherwise.
    pub async fn memberships<M: Membership, R: TenantRoot + Clone>(&self, user_id: &str) -> Result<Vec<(R, M)>, Error> {
        if M::RANKS.is_empty() {
            return Err(Error::Config(format!(
                "{} is not marked @@membership in the schema: no policy lets a user read their own memberships",
                M::META.name
            )));
        }
        self.ensure_application_role().await?;
        let (m, r) = (&M::META, &R::META);
        let key = m
            .tenant_key()
            .ok_or_else(|| Error::Config(format!("{} is not tenant-owned", m.name)))?;
        let root_id = *r
            .primary_key
            .first()
            .ok_or_else(|| Error::Config(format!("{} has no primary key", r.name)))?;
        let members_sql = format!(
            "SELECT {} FROM {} t WHERE t.{} = $1 ORDER BY t.{}",
            select_list(m, "t"),
            m.sql_table(),
            q(M::USER_COLUMN),
            q(key)
        );
        let roots_sql = format!(
            "SELECT {} FROM {} t WHERE t.{} = ANY($1)",
            select_list(r, "t"),
            r.sql_table(),
            q(root_id)
        );
        self.transaction(TxOptions::default().read_only(), async |tx| {
            let none: Option<&str> = None;
            tx.query_map(BIND, &[&none, &none, &user_id], |_| Ok(())).await?;
            let members: Vec<M> = tx.query_map(&members_sql, &[&user_id], |row| M::from_row(&row)).await?;
            let ids: Vec<String> = members
                .iter()
                .filter_map(|mm| match mm.key(key) {
                    Some(crate::meta::Key::Str(s)) => Some(s),
                    _ => None,
                })
                .collect();
            let roots: Vec<R> = tx.query_map(&roots_sql, &[&ids], |row| R::from_row(&row)).await?;
            Ok(members
                .into_iter()
                .filter_map(|mm| {
                    let id = mm.key(key)?;
                    let root = roots.iter().find(|rr| rr.key(root_id).as_ref() == Some(&id))?.clone();
                    Some((root, mm))
                })
                .collect())
        })
        .await
    }
}

/// The text of a parameter that holds a string (a text id), read back through its own encoding.
fn text_of(p: &crate::query::Param) -> Option<String> {
    let mut buf = bytes::BytesMut::new();
    p.to_sql_checked(&tokio_postgres::types::Type::TEXT, &mut buf).ok()?;
    String::from_utf8(buf.to_vec()).ok()
}

impl Db {
    /// Creates a tenant (the root row, e.g. a new organization) and its first member in one transaction, as
    /// a sign-up does: no system scope, no id generated up front. The transaction is bound to the new
    /// tenant's id, the member's user id and the highest role ([`Membership::RANKS`]), so the root's and
    /// the membership's policies admit exactly these two rows. An id that already exists fails on the
    /// primary key and nothing is written: nobody joins an existing tenant this way. Text ids only.
    pub async fn create_tenant<R, M>(&self, root: R::Create, member: M::Create) -> Result<(R, M), Error>
    where
        R: TenantRoot + crate::meta::Writable,
        M: Membership + crate::meta::Writable,
    {
        use crate::meta::CreateInput;
        self.ensure_application_role().await?;
        let top = *M::RANKS
            .first()
            .ok_or_else(|| Error::Config(format!("{} is not marked @@membership in the schema", M::META.name)))?;
        let root_values = root.into_values();
        let member_values = member.into_values();
        let value = |values: &[(&'static str, crate::query::Param)], column: &str, what: &str| {
            values
                .iter()
                .find(|(c, _)| *c == column)
                .and_then(|(_, p)| text_of(p))
                .ok_or_else(|| Error::Config(format!("creating a tenant needs a text {what} (`{column}`)")))
        };
        let root_id = *R::META
            .primary_key
            .first()
            .ok_or_else(|| Error::Config(format!("{} has no primary key", R::META.name)))?;
        let tenant = value(&root_values, root_id, "tenant id")?;
        let user = value(&member_values, M::USER_COLUMN, "user id")?;
        let mut conn = self.conn().await?;
        let tx = crate::tx::begin(&mut conn, crate::tx::TxOptions::default()).await?;
        let result = async {
            let bound = std::sync::atomic::AtomicBool::new(false);
            let exec = crate::exec::TxExec {
                tx: &tx,
                binding: Some(crate::exec::Binding {
                    tenant: &tenant,
                    role: top,
                    user: Some(&user),
                    member: true,
                }),
                audit: M::audit_sink().map(|sink| crate::scope::AuditCtx {
                    sink,
                    actor: Some(&user),
                    reason: None,
                }),
                bound: Some(&bound),
            };
            let r = crate::repo::Repo::<R, crate::scope::Manage, _>::new(&exec)
                .insert_values(root_values)
                .await?;
            let m = crate::repo::Repo::<M, crate::scope::Manage, _>::new(&exec)
                .insert_values(member_values)
                .await?;
            Ok((r, m))
        }
        .await;
        crate::tx::finish(tx, result).await
    }
}
