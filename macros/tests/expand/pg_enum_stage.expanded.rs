#[automatically_derived]
impl DealStage {
    /// Every value, in schema order.
    pub const VARIANTS: &'static [Self] = &[Self::Sourcing, Self::ClosedWon];
    /// Every value as stored in PostgreSQL, in schema order (for a membership's role enum: the
    /// ranks, highest first).
    pub const DB_VALUES: &'static [&'static str] = &["SOURCING", "closed_won"];
    /// The PostgreSQL type this enum maps to.
    pub const PG_TYPE: &'static str = "DealStage";
    /// The value as spelled in the schema.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Sourcing => "SOURCING",
            Self::ClosedWon => "CLOSED_WON",
        }
    }
    /// The value as stored in PostgreSQL.
    pub const fn db_value(&self) -> &'static str {
        match self {
            Self::Sourcing => "SOURCING",
            Self::ClosedWon => "closed_won",
        }
    }
}
#[automatically_derived]
impl ::std::fmt::Display for DealStage {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(self.as_str())
    }
}
#[automatically_derived]
impl ::std::str::FromStr for DealStage {
    type Err = ::trato_hive_runtime::UnknownEnumValue;
    fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
        match s {
            "SOURCING" => ::std::result::Result::Ok(Self::Sourcing),
            "CLOSED_WON" => ::std::result::Result::Ok(Self::ClosedWon),
            other => {
                ::std::result::Result::Err(
                    ::trato_hive_runtime::__private::enum_from_str_error(
                        "DealStage",
                        other,
                    ),
                )
            }
        }
    }
}
#[automatically_derived]
impl ::trato_hive_runtime::__private::serde::Serialize for DealStage {
    fn serialize<S: ::trato_hive_runtime::__private::serde::Serializer>(
        &self,
        s: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
#[automatically_derived]
impl<'de> ::trato_hive_runtime::__private::serde::Deserialize<'de> for DealStage {
    fn deserialize<D: ::trato_hive_runtime::__private::serde::Deserializer<'de>>(
        d: D,
    ) -> ::std::result::Result<Self, D::Error> {
        let s = <::std::borrow::Cow<
            'de,
            str,
        > as ::trato_hive_runtime::__private::serde::Deserialize>::deserialize(d)?;
        s.parse()
            .map_err(
                <D::Error as ::trato_hive_runtime::__private::serde::de::Error>::custom,
            )
    }
}
#[automatically_derived]
impl ::trato_hive_runtime::__private::postgres_types::ToSql for DealStage {
    fn to_sql(
        &self,
        _ty: &::trato_hive_runtime::__private::postgres_types::Type,
        out: &mut ::trato_hive_runtime::__private::bytes::BytesMut,
    ) -> ::std::result::Result<
        ::trato_hive_runtime::__private::postgres_types::IsNull,
        ::std::boxed::Box<
            dyn ::std::error::Error + ::std::marker::Sync + ::std::marker::Send,
        >,
    > {
        out.extend_from_slice(self.db_value().as_bytes());
        ::std::result::Result::Ok(
            ::trato_hive_runtime::__private::postgres_types::IsNull::No,
        )
    }
    fn accepts(ty: &::trato_hive_runtime::__private::postgres_types::Type) -> bool {
        ty.name() == "DealStage"
    }
    ::trato_hive_runtime::__private::postgres_types::to_sql_checked!();
}
#[automatically_derived]
impl<'a> ::trato_hive_runtime::__private::postgres_types::FromSql<'a> for DealStage {
    fn from_sql(
        _ty: &::trato_hive_runtime::__private::postgres_types::Type,
        raw: &'a [u8],
    ) -> ::std::result::Result<
        Self,
        ::std::boxed::Box<
            dyn ::std::error::Error + ::std::marker::Sync + ::std::marker::Send,
        >,
    > {
        match raw {
            b"SOURCING" => ::std::result::Result::Ok(Self::Sourcing),
            b"closed_won" => ::std::result::Result::Ok(Self::ClosedWon),
            other => {
                ::std::result::Result::Err(
                    ::std::boxed::Box::new(
                        ::trato_hive_runtime::__private::enum_from_str_error(
                            "DealStage",
                            &::std::string::String::from_utf8_lossy(other),
                        ),
                    ),
                )
            }
        }
    }
    fn accepts(ty: &::trato_hive_runtime::__private::postgres_types::Type) -> bool {
        ty.name() == "DealStage"
    }
}
