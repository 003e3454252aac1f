//! An application crate written the way the Trato Hive platform uses the data layer. Its binaries are what
//! `cargo xtask dev` runs against the development database.
