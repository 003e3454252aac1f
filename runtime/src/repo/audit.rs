//! Audit: the Activity row a write to an `@@audit` model records, written by the same statement as the
//! change (`WITH w AS (<the write> RETURNING ...), a AS (INSERT INTO <sink> ... FROM w) SELECT ... FROM w`),
//! so it commits or rolls back with it. An upsert records what actually happened: a create with the
//! inserted fields when the row was new, an update with the updated fields when it existed.

use super::{interned, q, select_list, SqlCache};
use crate::error::Error;
use crate::meta::ModelMeta;
use crate::query::SqlBuilder;
use crate::scope::{AuditAction, AuditCtx};

/// What a write records.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Audited<'f> {
    /// One action, with the fields it set.
    One(AuditAction, &'f [&'f str]),
    /// `INSERT ... ON CONFLICT DO UPDATE`: the statement returns [`INSERTED`] as its last column, which
    /// picks the create or the update record row by row.
    Upsert {
        created: &'f [&'f str],
        updated: &'f [&'f str],
    },
}

/// The column an audited upsert returns after the model's own: whether the row was inserted. An inserted
/// row's `xmax` is 0; a row an `ON CONFLICT DO UPDATE` wrote carries the updating transaction's id.
pub(crate) const INSERTED: &str = "trato_inserted";

/// An audit row's description, e.g. `Deal updated`: one per model and action.
fn audit_description(meta: &ModelMeta, action: AuditAction) -> &'static str {
    static TEXTS: SqlCache<(usize, &'static str)> = std::sync::OnceLock::new();
    interned(&TEXTS, (meta.name.as_ptr() as usize, action.as_str()), || {
        format!("{} {}d", meta.name, action.as_str())
    })
}

/// `["a","b"]`: the changed fields as JSON text.
fn json_string_array(fields: &[&str]) -> String {
    let mut out = String::with_capacity(2 + fields.iter().map(|f| f.len() + 3).sum::<usize>());
    out.push('[');
    for (k, f) in fields.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push('"');
        for ch in f.chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push(']');
    out
}

/// Wraps a write that returns the model's columns: adds the audit row when `audit` is set (the model is
/// audited and the context has a sink), and selects either the rows or their count.
pub(crate) fn finish_write(
    meta: &'static ModelMeta,
    audit: Option<AuditCtx<'_>>,
    mut b: SqlBuilder,
    what: Audited<'_>,
    count: bool,
) -> Result<SqlBuilder, Error> {
    let outer = if count { "count(*)" } else { select_list(meta, "w") };
    let (Some(ctx), Some(key)) = (audit, meta.tenant_key()) else {
        return Ok(if count {
            SqlBuilder {
                sql: format!("WITH w AS ({}) SELECT {outer} FROM w", b.sql),
                params: b.params,
            }
        } else {
            b
        });
    };
    let sink = ctx.sink;
    let id = super::id_column(meta)?;
    // $first.. are the audit row's parameters, after the change's own: kind, description, model, action,
    // fields, reason, actor; for an upsert then the update's kind, description, action and fields.
    let first = b.params.len() + 1;
    let (action, fields, then) = match what {
        Audited::One(action, fields) => (action, fields, None),
        Audited::Upsert { created, updated } => (AuditAction::Create, created, Some(updated)),
    };
    let record = |b: &mut SqlBuilder, action: AuditAction, fields: &[&str], model: bool| {
        b.params.push(Box::new((sink.kind)(meta.name, action, fields)));
        b.params.push(Box::new(audit_description(meta, action)));
        if model {
            b.params.push(Box::new(meta.name));
        }
        b.params.push(Box::new(action.as_str()));
        b.params.push(Box::new(json_string_array(fields)));
    };
    record(&mut b, action, fields, true);
    b.params.push(Box::new(ctx.reason.map(str::to_string)));
    b.params.push(Box::new(ctx.actor.map(str::to_string)));
    if let Some(updated) = then {
        record(&mut b, AuditAction::Update, updated, false);
    }
    // A hard delete cannot be pointed at: the row is gone when the statement ends.
    let linkable = action != AuditAction::Delete || meta.soft_delete.is_some();
    let link = sink.links.iter().find(|(m, _)| *m == meta.name).filter(|_| linkable);
    let upsert = then.is_some();
    let tail = || {
        let mut cols = vec![
            sink.id_column,
            sink.tenant_column,
            sink.type_column,
            sink.description_column,
            sink.metadata_column,
            sink.actor_column,
        ];
        let p: Vec<String> = (0..11).map(|k| format!("${}", first + k)).collect();
        // For an upsert each of kind, description, action and fields is chosen by the row's outcome.
        let pick = |created: &str, updated: usize| match upsert {
            true => format!("CASE WHEN w.{INSERTED} THEN {created} ELSE {} END", p[updated]),
            false => created.to_string(),
        };
        let (kind, description, model, act, changed, reason, actor) = (&p[0], &p[1], &p[2], &p[3], &p[4], &p[5], &p[6]);
        let mut vals = vec![
            "gen_random_uuid()::text".to_string(),
            format!("w.{}", q(key)),
            format!("{}::text::{}", pick(kind, 7), sink.type_sql),
            format!("{}::text", pick(description, 8)),
            format!(
                "jsonb_build_object('model', {model}::text, 'action', {}::text, 'id', w.{id}, 'fields', {}::text::jsonb, 'reason', {reason}::text)",
                pick(act, 9),
                pick(changed, 10),
                id = q(id)
            ),
            format!("{actor}::text"),
        ];
        if let Some((_, col)) = link {
            cols.push(col);
            vals.push(format!("w.{}", q(id)));
        }
        let cols: Vec<String> = cols.iter().map(|c| q(c)).collect();
        format!(
            "), a AS (INSERT INTO {} ({}) SELECT {} FROM w) SELECT {outer} FROM w",
            q(sink.table),
            cols.join(", "),
            vals.join(", ")
        )
    };
    // The same model, sink, action and parameter count always give the same text: built once. (Past 64
    // parameters, where a filter's size could make the shapes unbounded, it is built every time.)
    type TailKey = (usize, usize, &'static str, bool, bool, bool, usize);
    static TAILS: SqlCache<TailKey> = std::sync::OnceLock::new();
    let key = (
        meta.columns.as_ptr() as usize,
        std::ptr::from_ref(sink) as usize,
        action.as_str(),
        upsert,
        link.is_some(),
        count,
        first,
    );
    b.sql.insert_str(0, "WITH w AS (");
    if first <= 64 {
        b.sql.push_str(interned(&TAILS, key, tail));
    } else {
        b.sql.push_str(&tail());
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::json_string_array;

    /// The hand-built JSON of changed fields parses to exactly the names, whatever they contain.
    #[test]
    fn changed_fields_are_valid_json_of_the_names() {
        for fields in [
            &[][..],
            &["probability"][..],
            &["stage", "value"][..],
            &["we\"ird", "back\\slash", "tab\there", "ünï"][..],
        ] {
            let text = json_string_array(fields);
            let parsed: Vec<String> = serde_json::from_str(&text).expect(&text);
            assert_eq!(parsed, fields, "{text}");
        }
    }
}
