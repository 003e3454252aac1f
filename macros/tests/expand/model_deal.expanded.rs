#[automatically_derived]
impl ::trato_hive_runtime::Model for Deal {
    const META: ::trato_hive_runtime::ModelMeta = ::trato_hive_runtime::ModelMeta {
        name: "Deal",
        table: "deals",
        schema: ::std::option::Option::None,
        columns: &[
            ::trato_hive_runtime::ColumnMeta {
                field: "id",
                column: "id",
                sql_type: "TEXT",
                default: ::std::option::Option::Some(
                    ::trato_hive_runtime::DefaultKind::Cuid,
                ),
                updated_at: false,
                nullable: false,
            },
            ::trato_hive_runtime::ColumnMeta {
                field: "organization_id",
                column: "organization_id",
                sql_type: "TEXT",
                default: ::std::option::Option::None,
                updated_at: false,
                nullable: false,
            },
            ::trato_hive_runtime::ColumnMeta {
                field: "company_id",
                column: "company_id",
                sql_type: "TEXT",
                default: ::std::option::Option::None,
                updated_at: false,
                nullable: true,
            },
            ::trato_hive_runtime::ColumnMeta {
                field: "name",
                column: "name",
                sql_type: "TEXT",
                default: ::std::option::Option::None,
                updated_at: false,
                nullable: false,
            },
            ::trato_hive_runtime::ColumnMeta {
                field: "stage",
                column: "stage",
                sql_type: "\"DealStage\"",
                default: ::std::option::Option::Some(
                    ::trato_hive_runtime::DefaultKind::Literal,
                ),
                updated_at: false,
                nullable: false,
            },
            ::trato_hive_runtime::ColumnMeta {
                field: "updated_at",
                column: "updated_at",
                sql_type: "TIMESTAMPTZ(3)",
                default: ::std::option::Option::None,
                updated_at: true,
                nullable: false,
            },
        ],
        primary_key: &["organization_id", "id"],
        uniques: &[&["organization_id", "name"]],
        relations: &[
            ::trato_hive_runtime::RelationMeta {
                field: "company",
                target: "Company",
                kind: ::trato_hive_runtime::RelationKindMeta::ManyToOne,
                name: "CompanyToDeal",
                columns: &["company_id"],
                references: &["id"],
            },
            ::trato_hive_runtime::RelationMeta {
                field: "documents",
                target: "Document",
                kind: ::trato_hive_runtime::RelationKindMeta::OneToMany,
                name: "DealToDocument",
                columns: &["id"],
                references: &["deal_id"],
            },
        ],
        tenancy: ::trato_hive_runtime::TenancyMeta::Owned {
            key: "organization_id",
        },
        audited: false,
        soft_delete: ::std::option::Option::None,
        write_roles: &[],
    };
    type Create = DealCreate;
    type Update = DealUpdate;
    fn from_row(
        row: &::trato_hive_runtime::Row,
    ) -> ::std::result::Result<Self, ::trato_hive_runtime::Error> {
        ::std::result::Result::Ok(Deal {
            id: row
                .try_get(0usize)
                .map_err(|e| ::trato_hive_runtime::Error::Connection(
                    ::std::format!("column `{}`: {}", "id", e),
                ))?,
            organization_id: row
                .try_get(1usize)
                .map_err(|e| ::trato_hive_runtime::Error::Connection(
                    ::std::format!("column `{}`: {}", "organization_id", e),
                ))?,
            company_id: row
                .try_get(2usize)
                .map_err(|e| ::trato_hive_runtime::Error::Connection(
                    ::std::format!("column `{}`: {}", "company_id", e),
                ))?,
            name: row
                .try_get(3usize)
                .map_err(|e| ::trato_hive_runtime::Error::Connection(
                    ::std::format!("column `{}`: {}", "name", e),
                ))?,
            stage: row
                .try_get(4usize)
                .map_err(|e| ::trato_hive_runtime::Error::Connection(
                    ::std::format!("column `{}`: {}", "stage", e),
                ))?,
            updated_at: row
                .try_get(5usize)
                .map_err(|e| ::trato_hive_runtime::Error::Connection(
                    ::std::format!("column `{}`: {}", "updated_at", e),
                ))?,
        })
    }
    fn key(&self, column: &str) -> ::std::option::Option<::trato_hive_runtime::Key> {
        match column {
            "id" => ::trato_hive_runtime::AsKey::as_key(&self.id),
            "organization_id" => {
                ::trato_hive_runtime::AsKey::as_key(&self.organization_id)
            }
            "company_id" => ::trato_hive_runtime::AsKey::as_key(&self.company_id),
            "name" => ::trato_hive_runtime::AsKey::as_key(&self.name),
            _ => ::std::option::Option::None,
        }
    }
}
#[automatically_derived]
impl ::trato_hive_runtime::TenantOwned for Deal {}
#[automatically_derived]
impl ::trato_hive_runtime::Writable for Deal {}
impl ::trato_hive_runtime::OpenWrite for Deal {}
#[automatically_derived]
#[allow(dead_code)]
impl Deal {
    /// The column `id`, for filters, ordering and updates.
    pub const ID: ::trato_hive_runtime::Col<Deal, String> = ::trato_hive_runtime::Col::new(
        "id",
    );
    /// The column `organization_id`, for filters, ordering and updates.
    pub const ORGANIZATION_ID: ::trato_hive_runtime::Col<Deal, String> = ::trato_hive_runtime::Col::new(
        "organization_id",
    );
    /// The column `company_id`, for filters, ordering and updates.
    pub const COMPANY_ID: ::trato_hive_runtime::NullableCol<Deal, String> = ::trato_hive_runtime::NullableCol::new(
        "company_id",
    );
    /// The column `name`, for filters, ordering and updates.
    pub const NAME: ::trato_hive_runtime::Col<Deal, String> = ::trato_hive_runtime::Col::new(
        "name",
    );
    /// The column `stage`, for filters, ordering and updates.
    pub const STAGE: ::trato_hive_runtime::Col<Deal, DealStage> = ::trato_hive_runtime::Col::new(
        "stage",
    );
    /// The column `updated_at`, for filters, ordering and updates.
    pub const UPDATED_AT: ::trato_hive_runtime::Col<Deal, DateTime> = ::trato_hive_runtime::Col::new(
        "updated_at",
    );
    /// The relation `company` to `Company`, for `find_many_with` and nested writes.
    pub const COMPANY: ::trato_hive_runtime::RelOne<Deal, Company> = ::trato_hive_runtime::RelOne::new(
        "company",
        "company_id",
        "id",
    );
    /// The relation `documents` to `Document`, for `find_many_with` and nested writes.
    pub const DOCUMENTS: ::trato_hive_runtime::RelMany<Deal, Document> = ::trato_hive_runtime::RelMany::new(
        "documents",
        "id",
        "deal_id",
    );
    /// The unique key (id): `Deal::BY_ID.eq(..)` names one row for `find_by`, `update_by`, `delete_by`; the constant is a conflict target for `upsert` and an ordering for `find_page_by`.
    pub const BY_ID: ::trato_hive_runtime::Unique<Deal, String> = ::trato_hive_runtime::Unique::new(
        &["id"],
        |v0: String| {
            ::std::vec![::std::boxed::Box::new(v0) as ::trato_hive_runtime::Param]
        },
    );
    /// The unique key (name): `Deal::BY_NAME.eq(..)` names one row for `find_by`, `update_by`, `delete_by`; the constant is a conflict target for `upsert` and an ordering for `find_page_by`.
    pub const BY_NAME: ::trato_hive_runtime::Unique<Deal, String> = ::trato_hive_runtime::Unique::new(
        &["name"],
        |v0: String| {
            ::std::vec![::std::boxed::Box::new(v0) as ::trato_hive_runtime::Param]
        },
    );
    #[doc(hidden)]
    #[allow(non_upper_case_globals)]
    pub const __column_id: ::std::marker::PhantomData<fn() -> String> = ::std::marker::PhantomData;
    #[doc(hidden)]
    #[allow(non_upper_case_globals)]
    pub const __column_organization_id: ::std::marker::PhantomData<fn() -> String> = ::std::marker::PhantomData;
    #[doc(hidden)]
    #[allow(non_upper_case_globals)]
    pub const __column_company_id: ::std::marker::PhantomData<fn() -> Option<String>> = ::std::marker::PhantomData;
    #[doc(hidden)]
    #[allow(non_upper_case_globals)]
    pub const __column_name: ::std::marker::PhantomData<fn() -> String> = ::std::marker::PhantomData;
    #[doc(hidden)]
    #[allow(non_upper_case_globals)]
    pub const __column_stage: ::std::marker::PhantomData<fn() -> DealStage> = ::std::marker::PhantomData;
    #[doc(hidden)]
    #[allow(non_upper_case_globals)]
    pub const __column_updated_at: ::std::marker::PhantomData<fn() -> DateTime> = ::std::marker::PhantomData;
}
/// The input of `create` for [`Deal`]: required fields in [`DealCreate::new`], the others set with their methods.
#[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
pub struct DealCreate {
    /// Column `id` (`None`: its default).
    pub id: ::std::option::Option<String>,
    /// Column `company_id`.
    pub company_id: Option<String>,
    /// Column `name`.
    pub name: String,
    /// Column `stage` (`None`: its default).
    pub stage: ::std::option::Option<DealStage>,
}
#[automatically_derived]
impl DealCreate {
    /// The input with every required field; the others are set with the methods below.
    #[allow(clippy::too_many_arguments, clippy::new_without_default)]
    pub fn new(name: String) -> Self {
        DealCreate {
            id: ::std::option::Option::None,
            company_id: ::std::option::Option::None,
            name,
            stage: ::std::option::Option::None,
        }
    }
    /// Sets `id` (otherwise its default).
    pub fn id(mut self, value: impl ::std::convert::Into<String>) -> Self {
        self.id = ::std::option::Option::Some(value.into());
        self
    }
    /// Sets `company_id` (otherwise NULL).
    pub fn company_id(
        mut self,
        value: impl ::trato_hive_runtime::Nullable<String>,
    ) -> Self {
        self.company_id = ::trato_hive_runtime::Nullable::into_nullable(value);
        self
    }
    /// Sets `stage` (otherwise its default).
    pub fn stage(mut self, value: impl ::std::convert::Into<DealStage>) -> Self {
        self.stage = ::std::option::Option::Some(value.into());
        self
    }
}
#[automatically_derived]
impl ::trato_hive_runtime::CreateInput for DealCreate {
    fn into_values(
        self,
    ) -> ::std::vec::Vec<(&'static str, ::trato_hive_runtime::Param)> {
        let mut values: ::std::vec::Vec<(&'static str, ::trato_hive_runtime::Param)> = ::std::vec::Vec::new();
        match self.id {
            ::std::option::Option::Some(v) => {
                values
                    .push((
                        "id",
                        ::std::boxed::Box::new(v) as ::trato_hive_runtime::Param,
                    ))
            }
            ::std::option::Option::None => {
                values
                    .push((
                        "id",
                        ::std::boxed::Box::new(::trato_hive_runtime::ids::cuid())
                            as ::trato_hive_runtime::Param,
                    ))
            }
        }
        match self.company_id {
            ::std::option::Option::Some(v) => {
                values
                    .push((
                        "company_id",
                        ::std::boxed::Box::new(v) as ::trato_hive_runtime::Param,
                    ))
            }
            ::std::option::Option::None => {}
        }
        values
            .push((
                "name",
                ::std::boxed::Box::new(self.name) as ::trato_hive_runtime::Param,
            ));
        match self.stage {
            ::std::option::Option::Some(v) => {
                values
                    .push((
                        "stage",
                        ::std::boxed::Box::new(v) as ::trato_hive_runtime::Param,
                    ))
            }
            ::std::option::Option::None => {}
        }
        values
    }
}
/// The input of `update` for [`Deal`]: every field is left alone unless set.
#[derive(
    ::std::fmt::Debug,
    ::std::clone::Clone,
    ::std::cmp::PartialEq,
    ::std::default::Default
)]
pub struct DealUpdate {
    /// Column `company_id`: left alone unless set.
    pub company_id: ::trato_hive_runtime::Patch<Option<String>>,
    /// Column `name`: left alone unless set.
    pub name: ::trato_hive_runtime::Patch<String>,
    /// Column `stage`: left alone unless set.
    pub stage: ::trato_hive_runtime::Patch<DealStage>,
}
#[automatically_derived]
impl DealUpdate {
    /// Sets `company_id` (`None` sets NULL).
    pub fn company_id(
        mut self,
        value: impl ::trato_hive_runtime::Nullable<String>,
    ) -> Self {
        self.company_id = ::trato_hive_runtime::Patch::Set(
            ::trato_hive_runtime::Nullable::into_nullable(value),
        );
        self
    }
    /// Sets `name`.
    pub fn name(mut self, value: impl ::std::convert::Into<String>) -> Self {
        self.name = ::trato_hive_runtime::Patch::Set(value.into());
        self
    }
    /// Sets `stage`.
    pub fn stage(mut self, value: impl ::std::convert::Into<DealStage>) -> Self {
        self.stage = ::trato_hive_runtime::Patch::Set(value.into());
        self
    }
}
#[automatically_derived]
impl ::trato_hive_runtime::UpdateInput for DealUpdate {
    fn into_values(
        self,
    ) -> ::std::vec::Vec<(&'static str, ::trato_hive_runtime::Param)> {
        let mut values: ::std::vec::Vec<(&'static str, ::trato_hive_runtime::Param)> = ::std::vec::Vec::new();
        if let ::trato_hive_runtime::Patch::Set(v) = self.company_id {
            values
                .push((
                    "company_id",
                    ::std::boxed::Box::new(v) as ::trato_hive_runtime::Param,
                ));
        }
        if let ::trato_hive_runtime::Patch::Set(v) = self.name {
            values
                .push((
                    "name",
                    ::std::boxed::Box::new(v) as ::trato_hive_runtime::Param,
                ));
        }
        if let ::trato_hive_runtime::Patch::Set(v) = self.stage {
            values
                .push((
                    "stage",
                    ::std::boxed::Box::new(v) as ::trato_hive_runtime::Param,
                ));
        }
        values
    }
}
