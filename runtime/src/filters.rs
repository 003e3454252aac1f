//! Filters beyond comparisons: JSON (containment, a value at a path), scalar lists (`has`, `has_every`,
//! `has_some`, `is_empty`) and full-text search, typed by the column they apply to (Prisma's JSON, list
//! and `search` filters). Values are always bound.

use tokio_postgres::types::ToSql;

use crate::query::{Col, Filter, Node, NullableCol, ParamBox};

macro_rules! json_filters {
    ($col:ident) => {
        impl<M> $col<M, serde_json::Value> {
            /// The JSON value contains `value` (`@>`: objects by their keys, arrays by their elements).
            pub fn json_contains(self, value: serde_json::Value) -> Filter<M> {
                Filter::from_node(Node::Cmp {
                    column: self.name,
                    op: "@>",
                    value: ParamBox(Box::new(value)),
                })
            }

            /// The value at `path` (object keys and array indexes as text, `["owner", "name"]`) equals
            /// `value`.
            pub fn json_path_eq(self, path: &[&str], value: serde_json::Value) -> Filter<M> {
                Filter::from_node(Node::JsonPath {
                    column: self.name,
                    path: ParamBox(Box::new(
                        path.iter().map(|s| s.to_string()).collect::<Vec<String>>(),
                    )),
                    value: ParamBox(Box::new(value)),
                })
            }
        }
    };
}
json_filters!(Col);
json_filters!(NullableCol);

macro_rules! list_filters {
    ($col:ident) => {
        impl<M, T: ToSql + Sync + Send + 'static> $col<M, Vec<T>> {
            /// The list holds `value`.
            pub fn has(self, value: T) -> Filter<M> {
                Filter::from_node(Node::Cmp {
                    column: self.name,
                    op: "@>",
                    value: ParamBox(Box::new(vec![value])),
                })
            }

            /// The list holds every one of `values`.
            pub fn has_every(self, values: Vec<T>) -> Filter<M> {
                Filter::from_node(Node::Cmp {
                    column: self.name,
                    op: "@>",
                    value: ParamBox(Box::new(values)),
                })
            }

            /// The list holds at least one of `values`.
            pub fn has_some(self, values: Vec<T>) -> Filter<M> {
                Filter::from_node(Node::Cmp {
                    column: self.name,
                    op: "&&",
                    value: ParamBox(Box::new(values)),
                })
            }

            /// The list is empty (a NULL list is not).
            pub fn is_empty(self) -> Filter<M> {
                Filter::from_node(Node::Cmp {
                    column: self.name,
                    op: "=",
                    value: ParamBox(Box::new(Vec::<T>::new())),
                })
            }
        }
    };
}
list_filters!(Col);
list_filters!(NullableCol);

macro_rules! search_filter {
    ($col:ident) => {
        impl<M> $col<M, String> {
            /// Full-text search (Prisma's `search`): the text matches `query`, written as people type it
            /// into a search box (`"exact phrase" -excluded or`, PostgreSQL's `websearch_to_tsquery`), with the
            /// `simple` configuration (no language stemming, so any language works).
            pub fn search(self, query: &str) -> Filter<M> {
                Filter::from_node(Node::Search {
                    column: self.name,
                    query: ParamBox(Box::new(query.to_string())),
                })
            }
        }
    };
}
search_filter!(Col);
search_filter!(NullableCol);
