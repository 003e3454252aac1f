//! Field-level rules: defaults type-check, native types fit their scalar, list fields.

use crate::diagnostics::{msg, suggest, Diagnostic};
use crate::model::{Arity, DefaultValue, Enum, FieldType, Literal, NativeType, Scalar};
use crate::syntax::ast::{Attribute, Expr};

/// PostgreSQL native types: name, the scalar it fits, and how many numeric arguments it accepts.
const NATIVE_TYPES: &[(&str, Scalar, &[usize])] = &[
    ("Text", Scalar::String, &[0]),
    ("Char", Scalar::String, &[0, 1]),
    ("VarChar", Scalar::String, &[0, 1]),
    ("Bit", Scalar::String, &[0, 1]),
    ("VarBit", Scalar::String, &[0, 1]),
    ("Uuid", Scalar::String, &[0]),
    ("Xml", Scalar::String, &[0]),
    ("Inet", Scalar::String, &[0]),
    ("Citext", Scalar::String, &[0]),
    ("Boolean", Scalar::Boolean, &[0]),
    ("Integer", Scalar::Int, &[0]),
    ("SmallInt", Scalar::Int, &[0]),
    ("Oid", Scalar::Int, &[0]),
    ("BigInt", Scalar::BigInt, &[0]),
    ("DoublePrecision", Scalar::Float, &[0]),
    ("Real", Scalar::Float, &[0]),
    ("Decimal", Scalar::Decimal, &[0, 2]),
    ("Money", Scalar::Decimal, &[0]),
    ("Timestamp", Scalar::DateTime, &[0, 1]),
    ("Timestamptz", Scalar::DateTime, &[0, 1]),
    ("Date", Scalar::DateTime, &[0]),
    ("Time", Scalar::DateTime, &[0, 1]),
    ("Timetz", Scalar::DateTime, &[0, 1]),
    ("Json", Scalar::Json, &[0]),
    ("JsonB", Scalar::Json, &[0]),
    ("ByteA", Scalar::Bytes, &[0]),
];

/// Checks a `@db.X(...)` attribute against the field's type.
pub fn native_type(attr: &Attribute, native: &str, ty: &FieldType, diags: &mut Vec<Diagnostic>) -> Option<NativeType> {
    let Some((_, fits, arities)) = NATIVE_TYPES.iter().find(|(n, _, _)| *n == native) else {
        let s = suggest(native, NATIVE_TYPES.iter().map(|(n, _, _)| *n));
        diags.push(msg::unknown_native_type(attr.name.span, native, s));
        return None;
    };
    let scalar = match ty {
        FieldType::Scalar(s) => *s,
        _ => {
            diags.push(msg::attribute_not_allowed(
                attr.span,
                &format!("@db.{native}"),
                "native types apply to scalar fields only",
                "remove it: enum and relation fields have no native type",
            ));
            return None;
        }
    };
    if scalar != *fits {
        let all: Vec<&str> = NATIVE_TYPES
            .iter()
            .filter(|(n, _, _)| *n == native)
            .map(|(_, s, _)| s.name())
            .collect();
        diags.push(msg::native_type_mismatch(attr.span, native, scalar.name(), &all));
        return None;
    }
    let mut args = Vec::new();
    for arg in attr.args.iter().flatten() {
        match &arg.value {
            Expr::Number { raw, .. } if arg.name.is_none() => match raw.parse::<u32>() {
                Ok(n) => args.push(n),
                Err(_) => {
                    diags.push(msg::native_type_args(arg.span, native, &describe_arities(arities)));
                    return None;
                }
            },
            _ => {
                diags.push(msg::native_type_args(arg.span, native, &describe_arities(arities)));
                return None;
            }
        }
    }
    if !arities.contains(&args.len()) {
        diags.push(msg::native_type_args(attr.span, native, &describe_arities(arities)));
        return None;
    }
    Some(NativeType {
        name: native.to_string(),
        args,
    })
}

fn describe_arities(arities: &[usize]) -> String {
    match arities {
        [0] => "no arguments".into(),
        [0, 1] => "no arguments or one number, e.g. (255)".into(),
        [0, 2] => "no arguments or two numbers, e.g. (18, 2)".into(),
        _ => "other arguments".into(),
    }
}

/// Checks `@default(...)` against the field type and returns the resolved value.
pub fn default_value(
    expr: &Expr,
    field: &str,
    ty: &FieldType,
    arity: Arity,
    enums: &[Enum],
    diags: &mut Vec<Diagnostic>,
) -> Option<DefaultValue> {
    if arity == Arity::List {
        if let Expr::Array { items, .. } = expr {
            let mut out = Vec::new();
            for item in items {
                out.push(default_value(item, field, ty, Arity::Required, enums, diags)?);
            }
            return Some(DefaultValue::List(out));
        }
        if !matches!(expr, Expr::Call { name, .. } if name.name == "dbgenerated") {
            diags.push(msg::bad_default(
                expr.span(),
                field,
                "a list field needs a list default",
                "write the default as a list, e.g. @default([]) or @default([\"a\", \"b\"])",
            ));
            return None;
        }
    }
    let bad = |diags: &mut Vec<Diagnostic>, why: &str, help: &str| {
        diags.push(msg::bad_default(expr.span(), field, why, help));
        None
    };
    let scalar = match ty {
        FieldType::Scalar(s) => Some(*s),
        FieldType::Enum(_) => None,
        FieldType::Relation(_) => {
            return bad(
                diags,
                "relation fields cannot have defaults",
                "put the default on the scalar foreign key field",
            );
        }
        FieldType::Unsupported(_) => {
            if let Expr::Call { name, .. } = expr {
                if name.name == "dbgenerated" {
                    return db_generated(expr, field, diags);
                }
            }
            return bad(
                diags,
                "an Unsupported field only takes dbgenerated(...)",
                "use @default(dbgenerated(\"...\"))",
            );
        }
    };
    match expr {
        Expr::Call { name, args, .. } => {
            let wants = |s: Scalar| scalar == Some(s);
            let value = match name.name.as_str() {
                "dbgenerated" => return db_generated(expr, field, diags),
                "autoincrement" if wants(Scalar::Int) || wants(Scalar::BigInt) => DefaultValue::Autoincrement,
                "now" if wants(Scalar::DateTime) => DefaultValue::Now,
                "cuid" if wants(Scalar::String) => DefaultValue::Cuid,
                "uuid" if wants(Scalar::String) => DefaultValue::Uuid,
                "nanoid" if wants(Scalar::String) => DefaultValue::Nanoid,
                "ulid" if wants(Scalar::String) => DefaultValue::Ulid,
                "autoincrement" => {
                    return bad(
                        diags,
                        "autoincrement() needs an Int or BigInt field",
                        "use autoincrement() on Int/BigInt ids only",
                    )
                }
                "now" => {
                    return bad(
                        diags,
                        "now() needs a DateTime field",
                        "make the field DateTime or use a literal default",
                    )
                }
                "cuid" | "uuid" | "nanoid" | "ulid" => {
                    return bad(
                        diags,
                        &format!("{}() needs a String field", name.name),
                        "generated ids are strings: declare the field as String",
                    )
                }
                "sequence" => {
                    return bad(
                        diags,
                        "sequence() is CockroachDB only",
                        "use autoincrement() on PostgreSQL",
                    )
                }
                other => {
                    let s = suggest(
                        other,
                        ["autoincrement", "now", "cuid", "uuid", "nanoid", "ulid", "dbgenerated"],
                    );
                    let help = s.map_or_else(
                        || "use autoincrement(), now(), cuid(), uuid(), nanoid(), ulid(), dbgenerated(\"...\") or a literal".to_string(),
                        |s| format!("did you mean `{s}()`?"),
                    );
                    return bad(diags, &format!("unknown function `{other}()`"), &help);
                }
            };
            let arg_ok = match (&value, args.as_slice()) {
                (_, []) => true,
                (DefaultValue::Cuid, [a]) => matches!(&a.value, Expr::Number { raw, .. } if raw == "1" || raw == "2"),
                (DefaultValue::Uuid, [a]) => matches!(&a.value, Expr::Number { raw, .. } if raw == "4" || raw == "7"),
                (DefaultValue::Nanoid, [a]) => {
                    matches!(&a.value, Expr::Number { raw, .. } if raw.parse::<u8>().is_ok_and(|n| (2..=255).contains(&n)))
                }
                _ => false,
            };
            if !arg_ok {
                return bad(
                    diags,
                    &format!("unexpected arguments to {}()", name.name),
                    "cuid takes 1 or 2, uuid takes 4 or 7, nanoid takes a length; the others take none",
                );
            }
            Some(value)
        }
        Expr::Str(s) => match scalar {
            Some(Scalar::DateTime) if chrono::DateTime::parse_from_rfc3339(&s.value).is_err() => bad(
                diags,
                &format!("\"{}\" is not an RFC 3339 date-time", s.value),
                "write it as \"2024-01-31T12:00:00Z\" (with an offset), or use now()",
            ),
            Some(Scalar::Json) if serde_json::from_str::<serde_json::Value>(&s.value).is_err() => bad(
                diags,
                &format!("\"{}\" is not valid JSON", s.value),
                "write the JSON as a string: @default(\"{\\\"key\\\": 1}\")",
            ),
            Some(Scalar::Bytes) if crate::dbmodel::decode_base64(&s.value).is_none() => bad(
                diags,
                &format!("\"{}\" is not base64", s.value),
                "write the bytes in base64: @default(\"aGVsbG8=\")",
            ),
            Some(Scalar::String | Scalar::Json | Scalar::Bytes | Scalar::DateTime) => {
                Some(DefaultValue::Literal(Literal::Str(s.value.clone())))
            }
            Some(Scalar::Decimal) if s.value.parse::<f64>().is_ok() => {
                Some(DefaultValue::Literal(Literal::Str(s.value.clone())))
            }
            _ => bad(
                diags,
                "a string does not fit this field",
                "use a value of the field's type",
            ),
        },
        Expr::Number { raw, .. } => match scalar {
            Some(Scalar::Int | Scalar::BigInt) if raw.parse::<i64>().is_ok() => {
                if scalar == Some(Scalar::Int) && raw.parse::<i32>().is_err() {
                    return bad(
                        diags,
                        "the number does not fit a 32-bit Int",
                        "use BigInt or a smaller number",
                    );
                }
                Some(DefaultValue::Literal(Literal::Number(raw.clone())))
            }
            Some(Scalar::Float | Scalar::Decimal) => Some(DefaultValue::Literal(Literal::Number(raw.clone()))),
            Some(Scalar::Int | Scalar::BigInt) => {
                bad(diags, "an integer field needs a whole number", "remove the fraction")
            }
            _ => bad(
                diags,
                "a number does not fit this field",
                "use a value of the field's type",
            ),
        },
        Expr::Path(ident) => match (ty, ident.name.as_str()) {
            (FieldType::Scalar(Scalar::Boolean), "true") => Some(DefaultValue::Literal(Literal::Bool(true))),
            (FieldType::Scalar(Scalar::Boolean), "false") => Some(DefaultValue::Literal(Literal::Bool(false))),
            (FieldType::Enum(id), variant) => {
                let e = &enums[id.0];
                match e.values.iter().position(|v| v.name == variant) {
                    Some(i) => Some(DefaultValue::EnumValue(i)),
                    None => {
                        let s = suggest(variant, e.values.iter().map(|v| v.name.as_str()));
                        let help = s.map_or_else(
                            || format!("use one of the values of `{}`", e.name),
                            |s| format!("did you mean `{s}`?"),
                        );
                        bad(
                            diags,
                            &format!("`{variant}` is not a value of enum `{}`", e.name),
                            &help,
                        )
                    }
                }
            }
            _ => bad(
                diags,
                &format!("`{}` does not fit this field", ident.name),
                "use a value of the field's type (true/false only for Boolean)",
            ),
        },
        Expr::Array { .. } => bad(
            diags,
            "a list default on a field that is not a list",
            "use a single value",
        ),
        Expr::Object { .. } => bad(diags, "an object is not a default value", "use a single value"),
    }
}

fn db_generated(expr: &Expr, field: &str, diags: &mut Vec<Diagnostic>) -> Option<DefaultValue> {
    let Expr::Call { args, .. } = expr else { return None };
    match args.as_slice() {
        [] => Some(DefaultValue::DbGenerated(String::new())),
        [a] if a.name.is_none() => match a.value.as_str() {
            Some(s) => Some(DefaultValue::DbGenerated(s.to_string())),
            None => {
                diags.push(msg::bad_default(
                    a.span,
                    field,
                    "dbgenerated takes a string",
                    "write the SQL expression as a string: dbgenerated(\"gen_random_uuid()\")",
                ));
                None
            }
        },
        _ => {
            diags.push(msg::bad_default(
                expr.span(),
                field,
                "dbgenerated takes one string",
                "write the SQL expression as a string: dbgenerated(\"gen_random_uuid()\")",
            ));
            None
        }
    }
}
