//! Model fields: names, types and arity, and the field attributes (`@id`, `@unique`, `@default`,
//! `@updatedAt`, `@map`, `@relation`, `@ignore`, `@renamedFrom`, `@softDelete`, `@db.*`).

use super::*;

impl Validator {
    pub(super) fn model_fields(&mut self, b: &Block) {
        let Some(mid) = self.model_id_of(b) else { return };
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut fields = Vec::new();
        let mut pk_fields: Vec<(FieldId, Span)> = Vec::new();
        let mut soft_delete: Vec<(FieldId, Span)> = Vec::new();
        let mut uniques = Vec::new();
        for m in &b.members {
            let f = match m {
                Member::Field(f) => f,
                Member::Property(p) => {
                    self.diags.push(msg::malformed(
                        p.span,
                        "field",
                        "a model field is `name Type @attributes`, without `=`",
                    ));
                    continue;
                }
                _ => continue,
            };
            if let Some(first) = seen.get(&f.name.name) {
                self.diags.push(msg::duplicate_field(
                    f.name.span,
                    "field",
                    &f.name.name,
                    &b.name.name,
                    *first,
                ));
                continue;
            }
            seen.insert(f.name.name.clone(), f.name.span);
            if !valid_name(&f.name.name) {
                self.diags.push(msg::reserved_name(
                    f.name.span,
                    &f.name.name,
                    "names are letters, digits and `_`, starting with a letter",
                ));
                self.dropped.insert(b.name.name.clone());
                continue;
            }
            let Some(tr) = &f.ty else { continue };
            let arity = match tr.arity {
                ast::Arity::Required => Arity::Required,
                ast::Arity::Optional => Arity::Optional,
                ast::Arity::List => Arity::List,
            };
            let fid = FieldId(fields.len());
            let ty = if let Some(s) = &tr.unsupported {
                if tr.name.name != "Unsupported" {
                    self.diags
                        .push(msg::unknown_type(tr.name.span, &tr.name.name, Some("Unsupported")));
                    self.dropped.insert(b.name.name.clone());
                    continue;
                }
                FieldType::Unsupported(s.value.clone())
            } else if let Some(s) = Scalar::from_name(&tr.name.name) {
                FieldType::Scalar(s)
            } else {
                match self.types.get(&tr.name.name) {
                    Some((TypeName::Enum(e), _)) => FieldType::Enum(*e),
                    Some((TypeName::Model(target), _)) => FieldType::Relation(Relation {
                        target: *target,
                        name: String::new(),
                        fields: Vec::new(),
                        references: Vec::new(),
                        on_delete: None,
                        on_update: None,
                        map: None,
                        back: FieldId(0),
                        kind: RelationKind::ManyToOne,
                    }),
                    None => {
                        let candidates: Vec<&str> = Scalar::ALL
                            .iter()
                            .map(|s| s.name())
                            .chain(self.types.keys().map(String::as_str))
                            .collect();
                        self.diags.push(msg::unknown_type(
                            tr.name.span,
                            &tr.name.name,
                            suggest(&tr.name.name, candidates),
                        ));
                        self.dropped.insert(b.name.name.clone());
                        continue;
                    }
                }
            };
            let mut field = Field {
                name: f.name.name.clone(),
                db_name: f.name.name.clone(),
                docs: f.docs.clone(),
                ty,
                arity,
                default: None,
                updated_at: false,
                native: None,
                ignored: false,
                renamed_from: None,
                span: f.span,
            };
            let mut seen_attrs: HashMap<String, Span> = HashMap::new();
            let mut raw_rel: Option<RawRelation> = None;
            for a in &f.attributes {
                let key = if a.name.name.starts_with("db.") {
                    "db".to_string()
                } else {
                    a.name.name.clone()
                };
                if let Some(_first) = seen_attrs.insert(key.clone(), a.span) {
                    self.diags.push(msg::attribute_not_allowed(
                        a.span,
                        &format!("@{}", a.name.name),
                        "repeated",
                        "keep one of them",
                    ));
                    continue;
                }
                let is_rel = field.ty.is_relation();
                match a.name.name.as_str() {
                    "id" | "unique" | "default" | "updatedAt" | "map" | "ignore"
                        if is_rel && a.name.name != "ignore" =>
                    {
                        self.diags.push(msg::attribute_not_allowed(
                            a.span,
                            &format!("@{}", a.name.name),
                            "on a relation field",
                            "put it on the scalar foreign key field instead",
                        ));
                    }
                    "id" => {
                        self.check_named_args(a, &["map", "length", "sort", "clustered"]);
                        super::model_attrs::refuse_clustered(self, a);
                        self.sort_arg(a);
                        if field.arity != Arity::Required {
                            self.diags.push(msg::bad_primary_key_field(
                                a.span,
                                &field.name,
                                if field.arity == Arity::List {
                                    "it is a list"
                                } else {
                                    "it is optional"
                                },
                            ));
                        } else if matches!(field.ty, FieldType::Unsupported(_)) {
                            self.diags
                                .push(msg::bad_primary_key_field(a.span, &field.name, "it is Unsupported"));
                        }
                        pk_fields.push((fid, a.span));
                        if let Some(m) = a.named("map").and_then(|x| x.value.as_str()) {
                            self.schema.models[mid.0].primary_key.map = Some(m.to_string());
                        }
                    }
                    "unique" => {
                        self.check_named_args(a, &["map", "length", "sort", "clustered"]);
                        super::model_attrs::refuse_clustered(self, a);
                        let map = a.named("map").and_then(|x| x.value.as_str()).map(str::to_string);
                        uniques.push(Index {
                            fields: vec![IndexField {
                                field: fid,
                                sort: self.sort_arg(a),
                                length: None,
                                ops: None,
                            }],
                            name: None,
                            map,
                            algorithm: None,
                            from_field: true,
                            predicate: None,
                            span: a.span,
                        });
                    }
                    "default" => {
                        self.check_named_args(a, &["map"]);
                        match a.positional().next() {
                            Some(arg) => {
                                let enums = &self.schema.enums;
                                if let Some(value) = fields::default_value(
                                    &arg.value,
                                    &field.name,
                                    &field.ty,
                                    field.arity,
                                    enums,
                                    &mut self.diags,
                                ) {
                                    let map = a.named("map").and_then(|x| x.value.as_str()).map(str::to_string);
                                    field.default = Some(Default { value, map });
                                }
                            }
                            None => self.diags.push(msg::bad_argument(
                                a.span,
                                "@default",
                                "a value is missing",
                                "write @default(value)",
                            )),
                        }
                    }
                    "updatedAt" => {
                        if field.scalar() != Some(Scalar::DateTime) || field.arity == Arity::List {
                            self.diags
                                .push(msg::updated_at_not_datetime(a.span, &field.name, &tr.name.name));
                        }
                        field.updated_at = true;
                    }
                    "map" => {
                        if let Some(s) = self.string_arg(a) {
                            field.db_name = s;
                        }
                    }
                    "ignore" => field.ignored = true,
                    "renamedFrom" => field.renamed_from = self.string_arg(a),
                    "softDelete" => {
                        if field.scalar() != Some(Scalar::DateTime) || field.arity != Arity::Optional {
                            self.diags.push(msg::attribute_not_allowed(
                                a.span,
                                "@softDelete",
                                "only on an optional DateTime field",
                                "declare it as `deletedAt DateTime? @softDelete`",
                            ));
                        } else {
                            soft_delete.push((fid, a.span));
                        }
                    }
                    "relation" => {
                        if !is_rel {
                            self.diags.push(msg::attribute_not_allowed(
                                a.span,
                                "@relation",
                                "on a field that is not a relation",
                                "@relation goes on a field whose type is a model",
                            ));
                        } else {
                            raw_rel = self.relation_attribute(a);
                        }
                    }
                    name if name.starts_with("db.") => {
                        if let Some(nt) = fields::native_type(a, &name[3..], &field.ty, &mut self.diags) {
                            field.native = Some(nt);
                        }
                    }
                    other => self.diags.push(msg::unknown_attribute(
                        a.name.span,
                        other,
                        "field",
                        suggest(other, FIELD_ATTRIBUTES.iter().copied()),
                    )),
                }
            }
            if let FieldType::Relation(rel) = &field.ty {
                self.relations.push(PendingRelation {
                    model: mid,
                    field: fid,
                    target: rel.target,
                    raw: raw_rel.unwrap_or(RawRelation {
                        span: f.span,
                        ..RawRelation::default()
                    }),
                });
            }
            fields.push(field);
        }
        if soft_delete.len() > 1 {
            self.diags.push(msg::attribute_not_allowed(
                soft_delete[1].1,
                "@softDelete",
                "a second @softDelete field",
                "keep one @softDelete field per model",
            ));
        }
        let model = &mut self.schema.models[mid.0];
        model.fields = fields;
        model.uniques = uniques;
        model.soft_delete = soft_delete.first().map(|(f, _)| *f);
        if pk_fields.len() > 1 {
            self.diags
                .push(msg::double_primary_key(pk_fields[1].1, &b.name.name, pk_fields[0].1));
        }
        if let Some((fid, _)) = pk_fields.first() {
            model.primary_key.fields = vec![*fid];
            model.primary_key.declared = true;
        }
    }
}
